"""Simulator of the monitored service: the seed's monitoring-api with a believable day of metrics.

``simulate(settings)`` creates the service's resources in whatever AWS endpoint is configured, drives the real
circuit breaker through the day's trips, and publishes 24 hours of minute-level metrics ending at ``now``, with
the scenario's incident in the last hour. The same scenario and ``now`` always produce the same data.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from bot.aws.clients import client
from bot.bootstrap import bootstrap
from bot.breaker import BreakerStatus, DynamoBreakerStore
from bot.settings import Service, Settings
from devstack.simulator import alarms, resources
from devstack.simulator.app_metrics import application_items, forget_items, write_items
from devstack.simulator.breaker_story import reset_breaker, run_breaker_story
from devstack.simulator.history import history_hours, publish_history
from devstack.simulator.metrics import (
    MetricNames,
    forget_simulated,
    last_window_average,
    last_window_p95,
    publish,
    published_until,
)
from devstack.simulator.scenarios import SCENARIOS, BreakerBlip, Scenario, get_scenario
from devstack.simulator.traffic import MINUTES, Minute, build_day, qps_series

__all__ = ["SCENARIOS", "BreakerBlip", "Scenario", "SimulationReport", "get_scenario", "simulate"]


class SimulationReport(BaseModel):
    """What ``simulate`` created and wrote — enough for a test or the demo to know what to expect."""

    scenario: str
    start: datetime
    end: datetime
    api_id: str
    api_name: str
    stage: str
    function_name: str
    function_version: str
    alias: str
    table_name: str
    topic_arn: str
    alarms: list[str]
    dashboard: str
    tables_created: list[str]
    metric_datums: int  # written by this run (replacing an earlier run's; on AWS itself new minutes only)
    history_datums: int = 0  # hourly traffic of the days before the simulated one (``days`` > 1)
    minutes_published: int
    put_metric_data_calls: int
    datums_by_namespace: dict[str, int]
    requests: int
    invocations: int
    errors_4xx: int
    errors_5xx: int
    app_metric_items: int
    incident_start: datetime | None
    incident_end: datetime | None
    breaker: BreakerStatus
    breaker_transitions: int
    last_5min_p95_ms: dict[str, float]
    alarms_expected_in_alarm: list[str]  # by the data's last 5 minutes; nothing evaluates alarms here
    elapsed_s: float

    def __str__(self) -> str:
        incident = (
            f"incident {self.incident_start:%H:%M}–{self.incident_end:%H:%M} UTC"
            if self.incident_start and self.incident_end
            else "no incident"
        )
        return (
            f"scenario {self.scenario}: {self.api_name}/{self.stage} (API {self.api_id}), {self.function_name}, "
            f"{self.table_name}; {self.requests:,} requests, {self.errors_5xx:,} 5XX over 24 h ending "
            f"{self.end:%Y-%m-%d %H:%M} UTC; {incident}; breaker {self.breaker.state.value}; "
            f"{self.metric_datums:,} datums in {self.put_metric_data_calls} calls{self._kept()}, "
            f"{self.app_metric_items} ApplicationMetrics items, {self.elapsed_s:.1f} s"
        )

    def _kept(self) -> str:
        kept = MINUTES - self.minutes_published
        return f" ({kept} minutes were already published and kept: this AWS cannot drop metrics)" if kept else ""


def metric_names(settings: Settings, service: Service) -> MetricNames:
    if not (service.api and service.lambda_functions and service.dynamodb_tables):
        raise ValueError(f"service {service.name!r} needs an API, a Lambda function and a DynamoDB table")
    function = service.lambda_functions[0]
    return MetricNames(
        api_name=service.api.name,
        stage=service.api.stage,
        function_name=function.name,
        alias=function.alias or "live",
        table_name=service.dynamodb_tables[0].name,
        environment=settings.stage,
    )


def simulate(
    settings: Settings, *, scenario: str | Scenario = "default", now: datetime | None = None, days: int | None = None
) -> SimulationReport:
    """Create (or reconfigure) the first configured service and write its last 24 hours, minute by minute, replacing
    the metrics and ApplicationMetrics items of an earlier simulation (on the devstack; see ``forget_simulated``); with
    ``days`` > 1 (default: the scenario's ``usage_days``), the traffic of the days before it hour by hour too (what a
    14-day usage pattern reads)."""
    began = time.perf_counter()
    chosen = scenario if isinstance(scenario, Scenario) else get_scenario(scenario)
    end = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    start = end - timedelta(minutes=MINUTES)
    if not settings.services:
        raise ValueError("no service is configured to simulate")
    service = settings.services[0]
    names = metric_names(settings, service)

    created = create_service(settings, service, names, chosen)
    seed = f"{chosen.seed}:{chosen.name}:{end.isoformat()}"
    qps = qps_series(chosen, start, random.Random(seed + ":traffic"))
    breaker_key = service.breaker_key or service.name
    dynamodb = client("dynamodb", settings.region)
    reset_breaker(dynamodb, settings.tables.state, breaker_key)
    store = DynamoBreakerStore(settings.tables.state, region=settings.region)
    story = run_breaker_story(chosen, breaker_key, store, start.timestamp(), qps, seed=hash_seed(seed, "breaker"))
    minutes = build_day(chosen, start, qps, story.minutes, seed=hash_seed(seed, "minutes"))
    cloudwatch = client("cloudwatch", settings.region)
    # a new simulation replaces the last one (another scenario, another day); where metrics cannot be dropped (AWS
    # itself), only the minutes not yet published are written, so nothing is counted twice
    already = None if forget_simulated(cloudwatch, names) else published_until(cloudwatch, names, start, end)
    published = publish(cloudwatch, names, chosen, [m for m in minutes if already is None or m.at > already])
    history = publish_history(
        cloudwatch, names, history_hours(minutes, start, days or chosen.usage_days, hash_seed(seed, "history"))
    )
    items = application_items(service.name, chosen.name, breaker_key, minutes, story)
    forget_items(dynamodb, names.table_name, service.name)
    write_items(dynamodb, names.table_name, items)
    p95, breaching = expected_alarms(settings, minutes)
    return SimulationReport(
        scenario=chosen.name,
        start=start,
        end=end,
        api_id=created.api_id,
        api_name=names.api_name,
        stage=names.stage,
        function_name=names.function_name,
        function_version=created.function.version,
        alias=names.alias,
        table_name=names.table_name,
        topic_arn=created.topic_arn,
        alarms=created.alarms,
        dashboard=alarms.DASHBOARD,
        tables_created=created.tables,
        metric_datums=published.datums,
        history_datums=history,
        minutes_published=published.minutes,
        put_metric_data_calls=published.calls,
        datums_by_namespace=published.by_namespace,
        requests=sum(m.requests for m in minutes),
        invocations=sum(m.invocations for m in minutes),
        errors_4xx=sum(m.errors_4xx for m in minutes),
        errors_5xx=sum(m.errors_5xx for m in minutes),
        app_metric_items=len(items),
        incident_start=end - timedelta(minutes=chosen.incident_minutes) if chosen.incident else None,
        incident_end=end if chosen.incident else None,
        breaker=story.status,
        breaker_transitions=len(story.events),
        last_5min_p95_ms=p95,
        alarms_expected_in_alarm=breaching,
        elapsed_s=round(time.perf_counter() - began, 2),
    )


@dataclass(frozen=True)
class CreatedService:
    function: resources.FunctionInfo
    api_id: str
    topic_arn: str
    alarms: list[str]
    tables: list[str]  # created by this run (perfbot's own and the service's)


def create_service(settings: Settings, service: Service, names: MetricNames, scenario: Scenario) -> CreatedService:
    """perfbot's tables, then the service's resources, topic, alarms and dashboard (all idempotent)."""
    region = settings.region
    tables = bootstrap(settings)
    lambda_ = client("lambda", region)
    role_arn = resources.ensure_role(client("iam", region), f"{names.function_name}-role")
    function = resources.ensure_function(lambda_, role_arn, names, scenario)
    index = service.dynamodb_tables[0].service_index or "ServiceNameIndex"
    if resources.ensure_table(client("dynamodb", region), names.table_name, index, scenario):
        tables.append(names.table_name)
    resources.ensure_contributor_insights(client("dynamodb", region), names.table_name, scenario)
    api_id = resources.ensure_api(
        client("apigateway", region),
        names,
        scenario,
        function.alias_arn,
        region,
        api_id=service.api.id if service.api else None,
    )
    resources.allow_api_to_invoke(lambda_, names, api_id, region, account=function.arn.split(":")[4])
    topic_arn = str(client("sns", region).create_topic(Name=alarms.topic_name(settings))["TopicArn"])
    alarm_names = alarms.ensure_alarms(client("cloudwatch", region), settings, names, topic_arn)
    return CreatedService(function, api_id, topic_arn, alarm_names, tables)


def expected_alarms(settings: Settings, minutes: list[Minute]) -> tuple[dict[str, float], list[str]]:
    """The last 5-minute p95s and the alarms they breach (nothing evaluates alarms here; the caller may)."""
    watched = [
        ("api_latency", "latency", alarms.COMPONENT_ALARMS[0], settings.slo.latency_ms),
        ("lambda_duration", "duration", alarms.COMPONENT_ALARMS[1], settings.slo.lambda_p95_ms),
        ("dynamodb_query_latency", "query_latency", alarms.COMPONENT_ALARMS[2], settings.slo.dynamodb_p95_ms),
    ]
    p95 = {label: last_window_p95(minutes, attribute) for label, attribute, _, _ in watched}
    # DynamoDB-HighLatency evaluates the Query average (DynamoDB vends no percentiles)
    p95["dynamodb_query_latency"] = last_window_average(minutes, "query_latency")
    breaching = [alarm for label, _, alarm, threshold in watched if (p95[label] or 0.0) > threshold]
    values = {label: value for label, value in p95.items() if value is not None}
    return values, [*breaching, alarms.COMPOSITE] if breaching else []


def hash_seed(seed: str, purpose: str) -> int:
    """A stable integer seed per purpose (``hash()`` of a str changes between processes)."""
    return random.Random(f"{seed}:{purpose}").getrandbits(63)
