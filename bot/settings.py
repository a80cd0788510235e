"""Every perfbot setting in one typed model: the ``perfbot.yml`` file, overridden by the environment.

Read once per process with :func:`get_settings`; tests call :func:`reset_settings` after changing the environment.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "perfbot.yml"
SLACK_API_DEFAULT = "https://slack.com/api/"


class SettingsError(Exception):
    """The configuration file or environment is invalid."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelRoute(_Model):
    """Alarms matching every given field go to ``channel``; ``alarm_name`` is a glob pattern."""

    channel: str
    service: str | None = None
    alarm_name: str | None = None
    namespace: str | None = None


class SlackSettings(_Model):
    bot_token: str = ""
    signing_secret: str = ""
    api_url: str = SLACK_API_DEFAULT
    alarm_channel: str = "#perf-alerts"
    digest_channel: str = "#perf-reports"
    routes: list[ChannelRoute] = Field(default_factory=list)
    bot_token_parameter: str | None = None  # SSM parameter names, read at cold start when the values are unset
    signing_secret_parameter: str | None = None


class Approvers(_Model):
    users: list[str] = Field(default_factory=list)
    usergroups: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)


class Slo(_Model):
    availability_pct: float = 99.9
    latency_ms: float = 500
    latency_percentile: str = "p95"
    error_rate_pct: float = 0.1
    breaker_recovery_s: float = 60
    apigw_p95_ms: float = 100
    lambda_p95_ms: float = 5000
    dynamodb_p95_ms: float = 50


class ApiRef(_Model):
    name: str
    stage: str
    # The REST API's id (`aws apigateway get-rest-apis`): perfbot may change this API's stage and no other (IAM names
    # it). Without one, perfbot finds the API by name for its reports, and may change none of its settings.
    id: str | None = Field(default=None, pattern=r"^[a-z0-9]{1,32}$")


class LambdaRef(_Model):
    name: str
    alias: str | None = None


class TableRef(_Model):
    name: str
    service_index: str | None = None
    # AWS publishes SuccessfulRequestLatency per TableName + Operation; empty = the TableName-only series
    latency_operations: list[str] = Field(default_factory=list)


class Service(_Model):
    name: str
    api: ApiRef | None = None
    lambda_functions: list[LambdaRef] = Field(default_factory=list)
    dynamodb_tables: list[TableRef] = Field(default_factory=list)
    breaker_key: str | None = None
    runbook_url: str | None = None
    slo: Slo | None = None


class AlarmSettings(_Model):
    maintenance_alarm: str = "System-Maintenance-Mode"
    escalation_after_min: float = 5
    escalation_mention: str = "<!here>"
    flapping_changes: int = 4
    flapping_window_min: float = 30
    storm_threshold: int = 5
    storm_window_s: float = 60
    post_interval_s: float = 1.0  # per-channel pacing of posts (Slack allows ≈1 message/s/channel)
    repeat_note_interval_s: float = 60  # at most one thread note per incident per interval; the rest are counted
    max_note_backlog_s: float = 10  # thread notes and graphs are skipped when a channel is booked further ahead
    warning_alarms: list[str] = Field(default_factory=lambda: ["Predictive-*"])  # glob patterns → severity warning
    incident_ttl_days: float = 14
    graph_hours: float = 3


class AnalysisSettings(_Model):
    analyzer: Literal["rules", "bedrock"] = "rules"
    bedrock_model_id: str = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    bedrock_timeout_s: float = 20
    bedrock_max_attempts: int = 3  # Converse calls per analysis when Bedrock throttles (within the timeout)
    bedrock_breaker_key: str = "bedrock"  # circuit breaker around the model, stored in the state table
    window_h: float = 24  # how much history an analysis looks at


class MaxStep(_Model):
    lambda_memory_factor: float = 2.0
    provisioned_concurrency_units: int = 50
    dynamodb_capacity_factor: float = 2.0
    apigw_throttle_factor: float = 2.0


class ChangeSettings(_Model):
    proposal_ttl_h: float = 24
    verify_after_min: float = 15
    auto_apply_low_risk: bool = False
    auto_revert_on_regression: bool = False
    regression_pct: float = 20  # verification: a metric this much worse than before the change is a regression
    max_step: MaxStep = Field(default_factory=MaxStep)


class Pricing(_Model):
    lambda_gb_second: float = 0.0000133334
    lambda_request_per_million: float = 0.20
    lambda_provisioned_gb_second: float = 0.0000041667  # provisioned concurrency, per GB-second kept warm
    apigw_rest_request_per_million: float = 3.50
    apigw_cache_gb_hour: dict[str, float] = Field(default_factory=dict)
    dynamodb_rcu_hour: float = 0.00013
    dynamodb_wcu_hour: float = 0.00065
    dynamodb_read_request_per_million: float = 0.125  # on-demand tables
    dynamodb_write_request_per_million: float = 0.625


class Tables(_Model):
    state: str
    audit: str
    idempotency: str


class AuditAnchors(_Model):
    """The Object Lock bucket every audit event's hash is anchored in (``PERFBOT_AUDIT_ANCHOR_BUCKET``). Empty: the
    name serverless.yml gives it, ``perfbot-<stage>-audit-anchors-<account>-<region>`` (bot.audit.anchor_bucket)."""

    bucket: str = ""
    retention_days: int = Field(default=400, ge=1, description="compliance-mode default retention (bootstrap)")


class Queues(_Model):
    failed_events: str = ""  # name or URL of the failed-events queue (serverless.yml sets its URL)


FUNCTIONS = ("slack", "alarms", "schedule")  # perfbot's own Lambda functions, perfbot-<stage>-<name>


class Settings(_Model):
    stage: str = "dev"
    region: str = "us-east-1"
    slack: SlackSettings = Field(default_factory=SlackSettings)
    approvers: Approvers = Field(default_factory=Approvers)
    slo: Slo = Field(default_factory=Slo)
    services: list[Service] = Field(default_factory=list)
    alarms: AlarmSettings = Field(default_factory=AlarmSettings)
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    changes: ChangeSettings = Field(default_factory=ChangeSettings)
    pricing: Pricing = Field(default_factory=Pricing)
    tables: Tables
    audit_anchors: AuditAnchors = Field(default_factory=AuditAnchors)
    queues: Queues = Field(default_factory=Queues)

    @field_validator("services")
    @classmethod
    def _unique_service_names(cls, services: list[Service]) -> list[Service]:
        names = [s.name for s in services]
        if len(names) != len(set(names)):
            raise ValueError(f"service names must be unique, got {names}")
        return services

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    @property
    def service_names(self) -> list[str]:
        return [s.name for s in self.services]

    def slo_for(self, service: Service) -> Slo:
        return service.slo or self.slo

    @property
    def own_functions(self) -> dict[str, str]:
        """perfbot's own Lambda functions: short name → function name (serverless.yml names them so)."""
        return {name: f"perfbot-{self.stage}-{name}" for name in FUNCTIONS}


def _env_overrides(raw: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Apply the documented environment variables on top of the file's values (environment wins)."""
    data = dict(raw)
    stage = env.get("PERFBOT_STAGE") or data.get("stage") or "dev"
    data["stage"] = stage
    if env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"):
        data["region"] = env.get("AWS_REGION") or env["AWS_DEFAULT_REGION"]
    slack = dict(data.get("slack") or {})
    for var, key in (
        ("SLACK_BOT_TOKEN", "bot_token"),
        ("SLACK_SIGNING_SECRET", "signing_secret"),
        ("SLACK_API_URL", "api_url"),
        ("PERFBOT_ALARM_CHANNEL", "alarm_channel"),
        ("SLACK_BOT_TOKEN_PARAMETER", "bot_token_parameter"),
        ("SLACK_SIGNING_SECRET_PARAMETER", "signing_secret_parameter"),
    ):
        if env.get(var):
            slack[key] = env[var]
    data["slack"] = slack
    if "PERFBOT_APPROVERS" in env:
        approvers = dict(data.get("approvers") or {})
        approvers["users"] = [u.strip() for u in env["PERFBOT_APPROVERS"].split(",") if u.strip()]
        data["approvers"] = approvers
    analysis = dict(data.get("analysis") or {})
    if env.get("PERFBOT_ANALYZER"):
        analysis["analyzer"] = env["PERFBOT_ANALYZER"]
    if env.get("PERFBOT_BEDROCK_MODEL_ID"):
        analysis["bedrock_model_id"] = env["PERFBOT_BEDROCK_MODEL_ID"]
    data["analysis"] = analysis
    tables = dict(data.get("tables") or {})
    for kind in ("state", "audit", "idempotency"):
        tables[kind] = env.get(f"PERFBOT_{kind.upper()}_TABLE") or tables.get(kind) or f"perfbot-{stage}-{kind}"
    data["tables"] = tables
    anchors = dict(data.get("audit_anchors") or {})
    anchors["bucket"] = env.get("PERFBOT_AUDIT_ANCHOR_BUCKET") or anchors.get("bucket") or ""
    data["audit_anchors"] = anchors
    queues = dict(data.get("queues") or {})
    queues["failed_events"] = (
        env.get("PERFBOT_FAILED_EVENTS_QUEUE") or queues.get("failed_events") or f"perfbot-{stage}-failed-events"
    )
    data["queues"] = queues
    return data


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from ``PERFBOT_CONFIG`` (default: the shipped ``perfbot.yml``) and the environment."""
    env = dict(os.environ if env is None else env)
    path = Path(env.get("PERFBOT_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise SettingsError(f"config file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise SettingsError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SettingsError(f"config file {path} must hold a mapping at the top level")
    try:
        return Settings.model_validate(_env_overrides(raw, env))
    except ValidationError as exc:
        raise SettingsError(f"invalid configuration in {path} or the environment:\n{exc}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    get_settings.cache_clear()
