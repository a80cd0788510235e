"""Circuit-breaker thresholds: the guide's adaptive failure threshold for typical traffic (QPS > 100 → 10, < 10 → 3,
else 5) and an open timeout no longer than the recovery SLO. The shared breaker record in the state table, changed
through :mod:`bot.breaker`. Verified on the service API's p95 ``Latency``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.inputs import BreakerInputs, ServiceInputs
from bot.analysis.models import Impact, Recommendation, Risk, Values
from bot.analysis.rule_context import RuleContext
from bot.aws.cloudwatch import MetricQuery
from bot.breaker import AdaptiveCircuitBreaker, BreakerStore, DynamoBreakerStore
from bot.breaker.models import HIGH_TRAFFIC_QPS, LOW_TRAFFIC_QPS, BreakerStatus, adaptive_threshold
from bot.changes.kinds.base import ChangeKind, Number, WholeNumber, plain_number
from bot.changes.kinds.handler import ChangeHandler, InvalidChange, as_int
from bot.changes.kinds.metrics import api_latency, service_api
from bot.settings import Settings

SMALL_THRESHOLD_MOVE = 5  # a failure threshold moving by at most this much (and no longer timeout) is low risk


class BreakerValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    failure_threshold: WholeNumber = Field(ge=1, le=50, description="failures that open the breaker")
    open_timeout_s: Number = Field(ge=5.0, le=600.0, description="seconds open before a half-open trial")
    half_open_success_threshold: WholeNumber = Field(ge=1, le=10, description="trial successes that close it")


def _values(breaker: BreakerInputs | BreakerStatus) -> Values:
    return {
        "failure_threshold": breaker.failure_threshold,
        "open_timeout_s": breaker.open_timeout_s,
        "half_open_success_threshold": breaker.half_open_success_threshold,
    }


def breaker_rule(breaker: BreakerInputs, qps: float | None, ctx: RuleContext) -> Recommendation | None:
    """The adaptive rule on typical traffic, and an open timeout no longer than the recovery SLO."""
    if qps is None:
        return None
    threshold = adaptive_threshold(qps)
    timeout = min(breaker.open_timeout_s, ctx.slo.breaker_recovery_s)
    if threshold == breaker.failure_threshold and timeout == breaker.open_timeout_s:
        return None
    reasons = []
    if threshold != breaker.failure_threshold:
        band = (
            f"above {HIGH_TRAFFIC_QPS:.0f}"
            if qps > HIGH_TRAFFIC_QPS
            else f"below {LOW_TRAFFIC_QPS:.0f}"
            if qps < LOW_TRAFFIC_QPS
            else f"between {LOW_TRAFFIC_QPS:.0f} and {HIGH_TRAFFIC_QPS:.0f}"
        )
        effect = "trips on ordinary noise" if threshold > breaker.failure_threshold else "reacts too late"
        reasons.append(
            f"Typical traffic (median 1-minute rate over the {ctx.window}) is {qps:.1f} requests/s ({band}), for "
            "which the guide's adaptive rule sets a failure "
            f"threshold of {threshold}; the configured {breaker.failure_threshold} {effect}."
        )
    if timeout != breaker.open_timeout_s:
        reasons.append(
            f"The open timeout of {breaker.open_timeout_s:.0f} s alone exceeds the {ctx.slo.breaker_recovery_s:.0f} s "
            "recovery SLO; the breaker cannot recover faster than it waits."
        )
    return Recommendation(
        kind=BreakerThresholds.name,
        service=ctx.service,
        target=breaker.key,
        current=_values(breaker),
        proposed={
            "failure_threshold": threshold,
            "open_timeout_s": timeout,
            "half_open_success_threshold": breaker.half_open_success_threshold,
        },
        rationale=" ".join(reasons),
        impact=Impact(
            p95_ms_delta=None,
            monthly_cost_delta_usd=0.0,
            summary="fewer false trips" if threshold > breaker.failure_threshold else "faster protection/recovery",
        ),
        confidence=0.8,
    )


class BreakerThresholdsHandler(ChangeHandler):
    """A conditional write of the breaker record (optimistic locking inside bot.breaker)."""

    def __init__(self, store: BreakerStore | None = None) -> None:
        if store is None:
            from bot.settings import get_settings

            store = DynamoBreakerStore(get_settings().tables.state)
        self._store = store

    def read_current(self, target: str) -> Values:
        return _values(self._store.load(target) or BreakerStatus(key=target))

    def validate(self, target: str, after: Values) -> None:
        if "failure_threshold" in after:
            as_int(after, "failure_threshold", low=1, high=1000)
        if "half_open_success_threshold" in after:
            as_int(after, "half_open_success_threshold", low=1, high=100)
        timeout = after.get("open_timeout_s")
        if timeout is not None and (isinstance(timeout, bool | str) or not 0 <= float(timeout) <= 3600):
            raise InvalidChange(f"open_timeout_s must be between 0 and 3600 seconds, got {timeout!r}")
        if not after:
            raise InvalidChange("no breaker threshold given")

    def apply(self, target: str, after: Values) -> list[str]:
        timeout = after.get("open_timeout_s")
        AdaptiveCircuitBreaker(target, self._store).set_thresholds(
            failure_threshold=int(after["failure_threshold"]) if "failure_threshold" in after else None,
            open_timeout_s=float(timeout) if timeout is not None and not isinstance(timeout, str) else None,
            half_open_success_threshold=(
                int(after["half_open_success_threshold"]) if "half_open_success_threshold" in after else None
            ),
        )
        return []  # a conditional DynamoDB write inside bot.breaker; no separate AWS request to record

    def wait_until_done(self, target: str) -> None:
        """The breaker record is written synchronously."""


class BreakerThresholds(ChangeKind[BreakerValues]):
    name = "breaker_thresholds"
    title = "Circuit-breaker thresholds"
    aliases = ("breaker",)
    target_hint = "breaker key"
    values_model = BreakerValues

    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        return {} if inputs.breaker is None else {inputs.breaker.key: _values(inputs.breaker)}

    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        if inputs.breaker is None:
            return []
        qps = inputs.api.median_rps if inputs.api is not None else None
        rec = breaker_rule(inputs.breaker, qps, ctx)
        return [rec] if rec is not None else []

    def risk(self, current: Values, proposed: Values) -> Risk:
        """The failure threshold moves by ≤ 5 and the timeout gets no longer: low; anything else: medium."""
        moved = abs(int(proposed["failure_threshold"]) - int(current.get("failure_threshold") or 0))
        no_longer = float(proposed["open_timeout_s"]) <= float(current.get("open_timeout_s") or 0)
        return "low" if moved <= SMALL_THRESHOLD_MOVE and no_longer else "medium"

    def handler(self) -> ChangeHandler:
        return BreakerThresholdsHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        """The breaker protects the service's API: its p95 latency."""
        return [api_latency(service_api(settings, service))]

    def describe(self, values: Values) -> str:
        return (
            f"{values.get('failure_threshold')} failures, {plain_number(values.get('open_timeout_s'))} s open, "
            f"{values.get('half_open_success_threshold')} trial successes"
        )


KIND = BreakerThresholds()
