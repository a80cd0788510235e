"""The simulator against the embedded AWS: resources, a day of consistent metrics, the incident, idempotency.

Simulating takes seconds, so it runs once per module; everything the tests check is read back inside the fixture
(other tests in the same process reset the shared moto state between tests).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer

from bot.aws.clients import reset_clients
from bot.breaker import BreakerState, BreakerStatus, DynamoBreakerStore
from bot.settings import Settings, load_settings
from devstack.aws import EmbeddedAws
from devstack.simulator import SimulationReport, simulate

NOW = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=3)
API, FUNCTION, TABLE = "monitoring-api", "monitoring-api-dev", "ApplicationMetrics-dev"


@dataclass
class World:
    """What the simulation left in AWS, read back with plain boto3."""

    report: SimulationReport
    rerun: SimulationReport
    settings: Settings
    sums: dict[str, float] = field(default_factory=dict)
    sums_after_rerun: dict[str, float] = field(default_factory=dict)
    api_p95_by_5min: list[tuple[datetime, float]] = field(default_factory=list)
    max_latency_last_hour: float = 0.0
    healthy_hour_p95: dict[str, float] = field(default_factory=dict)
    query_latency_p95_points: list[tuple[datetime, float]] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)
    resources_after_rerun: dict[str, Any] = field(default_factory=dict)
    newest_items: list[dict[str, Any]] = field(default_factory=list)
    breaker: BreakerStatus | None = None


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    dimensions: dict[str, str]


LATENCY = Metric("AWS/ApiGateway", "Latency", {"ApiName": API})
INTEGRATION = Metric("AWS/ApiGateway", "IntegrationLatency", {"ApiName": API})
E2E = Metric("MonitoringApp/Performance", "E2ELatency", {"Environment": "dev", "Component": "API"})
DURATION = Metric("AWS/Lambda", "Duration", {"FunctionName": FUNCTION})
QUERY_LATENCY = Metric("AWS/DynamoDB", "SuccessfulRequestLatency", {"TableName": TABLE, "Operation": "Query"})
TOTALS = {
    "Count": Metric("AWS/ApiGateway", "Count", {"ApiName": API}),
    "5XXError": Metric("AWS/ApiGateway", "5XXError", {"ApiName": API}),
    "4XXError": Metric("AWS/ApiGateway", "4XXError", {"ApiName": API}),
    "Invocations": Metric("AWS/Lambda", "Invocations", {"FunctionName": FUNCTION}),
}


def series(metric: Metric, stat: str, start: datetime, end: datetime, period: int) -> list[tuple[datetime, float]]:
    """(timestamp, value) of one statistic, oldest first, via GetMetricStatistics."""
    percentile = stat.startswith("p")
    answer = boto3.client("cloudwatch").get_metric_statistics(
        Namespace=metric.namespace,
        MetricName=metric.name,
        Dimensions=[{"Name": k, "Value": v} for k, v in metric.dimensions.items()],
        StartTime=start,
        EndTime=end,
        Period=period,
        **({"ExtendedStatistics": [stat]} if percentile else {"Statistics": [stat]}),
    )
    points = answer["Datapoints"]
    return sorted((p["Timestamp"], float(p["ExtendedStatistics"][stat] if percentile else p[stat])) for p in points)


def single(metric: Metric, stat: str, start: datetime, end: datetime) -> float:
    """One statistic over the whole window."""
    [(_, value)] = series(metric, stat, start, end, period=int((end - start).total_seconds()))
    return value


def _sums(report: SimulationReport) -> dict[str, float]:
    return {name: single(metric, "Sum", report.start, report.end) for name, metric in TOTALS.items()}


def _resources(settings: Settings) -> dict[str, Any]:
    apigw, lam, cw, ddb = (boto3.client(s) for s in ("apigateway", "lambda", "cloudwatch", "dynamodb"))
    apis = [a for a in apigw.get_rest_apis()["items"] if a["name"] == API]
    api_id = apis[0]["id"]
    alarms = cw.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return {
        "apis": apis,
        "stage": apigw.get_stage(restApiId=api_id, stageName="dev"),
        "resources": apigw.get_resources(restApiId=api_id)["items"],
        "function": lam.get_function_configuration(FunctionName=FUNCTION),
        "versions": [v["Version"] for v in lam.list_versions_by_function(FunctionName=FUNCTION)["Versions"]],
        "aliases": lam.list_aliases(FunctionName=FUNCTION)["Aliases"],
        "table": ddb.describe_table(TableName=TABLE)["Table"],
        "metric_alarms": {a["AlarmName"]: a for a in alarms["MetricAlarms"]},
        "composite_alarms": {a["AlarmName"]: a for a in alarms["CompositeAlarms"]},
        "dashboards": [d["DashboardName"] for d in cw.list_dashboards()["DashboardEntries"]],
        "topics": [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"]],
        "state_item_count": ddb.scan(TableName=settings.tables.state, Select="COUNT")["Count"],
    }


@pytest.fixture(scope="module")
def world(embedded_aws_server: EmbeddedAws) -> Iterator[World]:
    env = {
        "AWS_ENDPOINT_URL": embedded_aws_server.endpoint_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        embedded_aws_server.reset()
        reset_clients()
        settings = load_settings()
        report = simulate(settings, now=NOW)
        world = World(report=report, rerun=report, settings=settings, sums=_sums(report))
        world.api_p95_by_5min = series(LATENCY, "p95", NOW - timedelta(hours=1), NOW, period=300)
        world.max_latency_last_hour = single(LATENCY, "Maximum", NOW - timedelta(hours=1), NOW)
        healthy_hour = (NOW - timedelta(hours=3), NOW - timedelta(hours=2))
        world.healthy_hour_p95 = {
            m.name: single(m, "p95", *healthy_hour) for m in (E2E, LATENCY, INTEGRATION, DURATION)
        }
        # DynamoDB vends SuccessfulRequestLatency without percentiles, as AWS does: only its average exists
        world.query_latency_p95_points = series(QUERY_LATENCY, "p95", *healthy_hour, period=3600)
        world.healthy_hour_p95["SuccessfulRequestLatency"] = single(QUERY_LATENCY, "Average", *healthy_hour)
        world.resources = _resources(settings)
        items = boto3.client("dynamodb").query(
            TableName=TABLE,
            IndexName="ServiceNameIndex",
            KeyConditionExpression="ServiceName = :s",
            ExpressionAttributeValues={":s": {"S": API}},
            ScanIndexForward=False,
            Limit=20,
        )["Items"]
        deserializer = TypeDeserializer()
        world.newest_items = [{k: deserializer.deserialize(v) for k, v in item.items()} for item in items]
        world.breaker = DynamoBreakerStore(settings.tables.state).load("monitoring-api")

        world.rerun = simulate(settings, now=NOW)
        world.sums_after_rerun = _sums(report)
        world.resources_after_rerun = _resources(settings)
        reset_clients()
        yield world


def test_resources_exist_as_configured(world: World) -> None:
    res = world.resources
    assert len(res["apis"]) == 1
    assert {r["path"] for r in res["resources"]} == {"/", "/metrics"}
    metrics_resource = next(r for r in res["resources"] if r["path"] == "/metrics")
    assert set(metrics_resource["resourceMethods"]) == {"GET", "POST"}
    stage = res["stage"]
    assert stage["cacheClusterEnabled"] is False
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 1000
    assert stage["methodSettings"]["*/*"]["throttlingBurstLimit"] == 2000
    fn = res["function"]
    assert (fn["Runtime"], fn["Architectures"], fn["MemorySize"], fn["Timeout"]) == ("python3.12", ["arm64"], 1024, 30)
    assert [a["Name"] for a in res["aliases"]] == ["live"]
    assert res["aliases"][0]["FunctionVersion"] == world.report.function_version != "$LATEST"
    table = res["table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 200  # the default day over-provisions reads
    assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 25
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["ServiceNameIndex"]
    assert world.report.topic_arn in res["topics"]
    assert "Performance-Optimization-Dashboard" in res["dashboards"]


def test_alarms_are_the_seeds_and_notify_perfbot(world: World) -> None:
    metric_alarms, composites = world.resources["metric_alarms"], world.resources["composite_alarms"]
    assert set(metric_alarms) == {
        "API-HighLatency-P95",
        "Lambda-HighDuration",
        "DynamoDB-HighLatency",
        "System-Maintenance-Mode",
        "Predictive-Scaling-Trigger",
    }
    latency = metric_alarms["API-HighLatency-P95"]
    assert (latency["ExtendedStatistic"], latency["Threshold"], latency["Period"]) == ("p95", 500, 300)
    assert latency["Dimensions"] == [{"Name": "ApiName", "Value": API}]
    rule = composites["Smart-Performance-Alert"]["AlarmRule"]
    assert 'ALARM("API-HighLatency-P95")' in rule
    assert 'AND NOT ALARM("System-Maintenance-Mode")' in rule
    for alarm in [*metric_alarms.values(), *composites.values()]:
        assert alarm["AlarmActions"] == [world.report.topic_arn]
        assert alarm["OKActions"] == [world.report.topic_arn]


def test_cloudwatch_totals_equal_what_the_report_says(world: World) -> None:
    report = world.report
    assert world.sums["Count"] == report.requests
    assert world.sums["5XXError"] == report.errors_5xx
    assert world.sums["4XXError"] == report.errors_4xx
    assert world.sums["Invocations"] == report.invocations
    assert report.invocations <= report.requests
    assert report.invocations > 0.95 * report.requests  # no cache, no throttling in the default scenario
    assert report.minutes_published == 24 * 60
    assert 20_000 < report.metric_datums < 60_000


def test_the_incident_is_in_the_last_hour(world: World) -> None:
    report = world.report
    assert report.incident_start == NOW - timedelta(minutes=40)
    assert world.max_latency_last_hour > world.settings.slo.latency_ms
    breaching = [t for t, p95 in world.api_p95_by_5min if p95 > world.settings.slo.latency_ms]
    assert len(breaching) >= 6  # at least the last 30 minutes
    assert min(breaching) >= report.incident_start - timedelta(minutes=5)
    before = [p95 for t, p95 in world.api_p95_by_5min if t < report.incident_start - timedelta(minutes=5)]
    assert before
    assert max(before) < 150
    assert 650 < report.last_5min_p95_ms["api_latency"] < 1000
    assert report.alarms_expected_in_alarm == ["API-HighLatency-P95", "DynamoDB-HighLatency", "Smart-Performance-Alert"]


def test_latencies_nest_like_the_real_path(world: World) -> None:
    assert world.query_latency_p95_points == []  # no p95 of a metric AWS publishes as statistic sets
    p95 = world.healthy_hour_p95
    assert p95["E2ELatency"] >= p95["Latency"] >= p95["IntegrationLatency"] >= p95["Duration"]
    assert p95["Duration"] >= p95["SuccessfulRequestLatency"]
    assert p95["Latency"] < world.settings.slo.apigw_p95_ms  # a healthy hour meets the seed's component targets
    assert p95["SuccessfulRequestLatency"] < world.settings.slo.dynamodb_p95_ms


def test_application_metrics_come_newest_first(world: World) -> None:
    items = world.newest_items
    stamps = [item["Timestamp"] for item in items]
    assert stamps == sorted(stamps, reverse=True)
    newest = datetime.fromisoformat(stamps[0].replace("Z", "+00:00"))
    assert NOW - timedelta(minutes=5) <= newest < NOW
    summary = next(item for item in items if item["MetricType"] == "performance_summary")
    assert {"requests", "errors_5xx", "latency_p50_ms", "availability_pct"} <= set(summary["Metadata"])
    assert world.report.app_metric_items >= 288


def test_breaker_history_is_in_the_state_table(world: World) -> None:
    status = world.breaker
    assert status is not None
    assert status == world.report.breaker
    assert status.state in (BreakerState.OPEN, BreakerState.HALF_OPEN)
    assert len(status.recoveries) == 2
    assert status.last_recovery_s == status.recoveries[-1]
    assert all(r >= status.open_timeout_s for r in status.recoveries)
    assert status.opened_at is not None
    assert NOW.timestamp() - 3600 < status.opened_at < NOW.timestamp()
    assert status.current_qps is not None
    assert status.adaptive_threshold is not None


def test_rerunning_is_idempotent(world: World) -> None:
    before, after = world.resources, world.resources_after_rerun
    assert [a["id"] for a in after["apis"]] == [a["id"] for a in before["apis"]]
    assert world.rerun.api_id == world.report.api_id
    assert after["versions"] == before["versions"]
    assert after["aliases"] == before["aliases"]
    assert set(after["metric_alarms"]) == set(before["metric_alarms"])
    assert after["state_item_count"] == before["state_item_count"]
    assert world.rerun.minutes_published == 24 * 60  # the day is replaced, not added to:
    assert world.sums_after_rerun == world.sums  # nothing is counted twice
    assert world.rerun.breaker.model_dump(exclude={"updated_at"}) == world.report.breaker.model_dump(
        exclude={"updated_at"}
    )
    assert world.rerun.requests == world.report.requests  # the same `now` gives the same day


def test_another_scenario_replaces_the_simulation_already_there(embedded_aws_server: EmbeddedAws) -> None:
    """`simulate --scenario healthy` on a devstack holding the default day: the healthy day's numbers, none of the
    default's (its metrics and ApplicationMetrics items are dropped first; CloudWatch itself would sum both)."""
    env = {
        "AWS_ENDPOINT_URL": embedded_aws_server.endpoint_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        embedded_aws_server.reset()
        reset_clients()
        settings = load_settings()
        first = simulate(settings, scenario="default", now=NOW)
        bystander = Metric("AWS/Lambda", "Invocations", {"FunctionName": "perfbot-dev-slack"})  # not the service's
        boto3.client("cloudwatch").put_metric_data(
            Namespace=bystander.namespace,
            MetricData=[
                {
                    "MetricName": bystander.name,
                    "Dimensions": [{"Name": "FunctionName", "Value": "perfbot-dev-slack"}],
                    "Timestamp": NOW - timedelta(minutes=10),
                    "Value": 7.0,
                }
            ],
        )
        second = simulate(settings, scenario="healthy", now=NOW - timedelta(minutes=1))
        sums = _sums(second)
        kept = single(bystander, "Sum", NOW - timedelta(hours=1), NOW)
        pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=TABLE)
        items = [item for page in pages for item in page["Items"]]
        reset_clients()
    assert second.minutes_published == 24 * 60
    assert kept == 7.0  # only the simulated service's series are dropped
    assert (sums["Count"], sums["5XXError"]) == (second.requests, second.errors_5xx)
    assert second.requests != first.requests and second.errors_5xx != first.errors_5xx
    summaries = [i for i in items if i["MetricType"]["S"] == "performance_summary"]
    assert {i["Metadata"]["M"]["scenario"]["S"] for i in summaries} == {"healthy"}
    assert len(summaries) == 24 * 60 // 5 and len(items) == second.app_metric_items
    transitions = [i for i in items if i["MetricType"]["S"] == "circuit_breaker_transition"]
    assert transitions == []  # the healthy day's breaker never tripped; the default day's trips are gone
