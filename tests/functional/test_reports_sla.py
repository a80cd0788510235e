"""`/perf sla` numbers against datapoints written to the devstack with PutMetricData, recomputed here by hand.

Every expected value is computed in this file from the datapoints it wrote (nearest-rank percentiles, sums of
the counts inside each window) — never read back from the report code.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from devstack.stack import Devstack

pytestmark = pytest.mark.functional

API, FUNCTION, TABLE = "monitoring-api", "monitoring-api-dev", "ApplicationMetrics-dev"
SLO_ALLOWED = 1 - 0.999  # the shipped perfbot.yml: availability 99.9 %
NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Traffic:
    ago: timedelta
    count: float
    e5: float
    e4: float


# Request counts at known ages; the boundaries matter: a datum exactly 1 h before `end` is inside the last hour.
TRAFFIC = [
    Traffic(timedelta(minutes=20), 1000, 20, 50),
    Traffic(timedelta(hours=1), 400, 1, 3),  # exactly on the 1-h boundary: inside the 1 h window
    Traffic(timedelta(hours=1, seconds=1), 300, 2, 0),  # one second older: 6 h window only
    Traffic(timedelta(hours=3), 5000, 5, 100),
    Traffic(timedelta(hours=12), 20000, 4, 300),
    Traffic(timedelta(days=3), 100000, 30, 1000),
    Traffic(timedelta(days=20), 500000, 100, 4000),
    Traffic(timedelta(days=32), 1000000, 5000, 0),  # older than the 30-day budget: never counted
]
LATENCY_RECENT = [float(v) for v in range(10, 210)]  # 200 values 2 h ago
LATENCY_OLD = [900.0] * 40  # 2 days ago: in the 7 d window, not in 24 h
DURATION_RECENT = [120.0] * 90 + [6200.0] * 10  # p95 above the 5000 ms target
# DynamoDB vends SuccessfulRequestLatency as statistic sets per operation (no raw values, so no percentiles)
DYNAMO_QUERY = [float(v) for v in range(38, 59)]  # average 48 ms: within 10 % of the 50 ms target
DYNAMO_PUT = [20.0] * 20
DYNAMO_TABLE_ONLY = [500.0] * 20  # a TableName-only series (AWS has none): ignored when operations are configured


def statistic_set(values: list[float]) -> dict[str, float]:
    return {"SampleCount": len(values), "Sum": sum(values), "Minimum": min(values), "Maximum": max(values)}


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(p / 100 * len(ordered)) - 1]


def report_end() -> datetime:
    return datetime.fromtimestamp(math.floor(NOW.timestamp() / 300) * 300, tz=UTC)


def _put(cw: Any, namespace: str, name: str, dims: dict[str, str], when: datetime, **value: Any) -> None:
    """One PutMetricData; raw ``Values`` go in members of at most 150 (CloudWatch's limit)."""
    datum = {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()], "Timestamp": when}
    values = value.pop("Values", None)
    if values is None:
        members = [datum | value]
    else:
        members = [datum | value | {"Values": values[i : i + 150]} for i in range(0, len(values), 150)]
    cw.put_metric_data(Namespace=namespace, MetricData=members)


def live_report_end() -> datetime:
    """The report end a command run NOW through Slack will use; waits out the last seconds before a 5-minute
    boundary so the data written and the report read see the same end."""
    if time.time() % 300 > 285:
        time.sleep(300 - time.time() % 300 + 1)
    return datetime.fromtimestamp(math.floor(time.time() / 300) * 300, tz=UTC)


def write_known_datapoints(endpoint: str, end: datetime | None = None) -> None:
    cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1")
    end = end or report_end()
    api = {"ApiName": API}
    for t in TRAFFIC:
        when = end - t.ago
        for name, value in (("Count", t.count), ("5XXError", t.e5), ("4XXError", t.e4)):
            _put(cw, "AWS/ApiGateway", name, api, when, Value=value, Unit="Count")
    _put(cw, "AWS/ApiGateway", "Count", api, end, Value=777.0)  # at `end` itself: outside every window
    _put(cw, "AWS/ApiGateway", "Latency", api, end - timedelta(hours=2), Values=LATENCY_RECENT, Unit="Milliseconds")
    _put(cw, "AWS/ApiGateway", "Latency", api, end - timedelta(days=2), Values=LATENCY_OLD, Unit="Milliseconds")
    lam, tab = {"FunctionName": FUNCTION}, {"TableName": TABLE}
    _put(cw, "AWS/Lambda", "Duration", lam, end - timedelta(minutes=30), Values=DURATION_RECENT)
    for operation, values in (("Query", DYNAMO_QUERY), ("PutItem", DYNAMO_PUT), ("", DYNAMO_TABLE_ONLY)):
        dims = tab | ({"Operation": operation} if operation else {})
        when = end - timedelta(minutes=40)
        _put(cw, "AWS/DynamoDB", "SuccessfulRequestLatency", dims, when, StatisticValues=statistic_set(values))


def totals(within: timedelta) -> tuple[float, float, float]:
    inside = [t for t in TRAFFIC if timedelta(0) < t.ago <= within]
    return sum(t.count for t in inside), sum(t.e5 for t in inside), sum(t.e4 for t in inside)


def _by_key(service: Any) -> dict[str, Any]:
    return {m.key: m for m in service.measurements}


RECOVERY_S = 42.0  # the breaker trips, waits its 30 s timeout, and three trials succeed 42 s after the trip


def write_known_breaker_recovery() -> None:
    """A real trip and recovery of the monitoring-api breaker in the state table, on a clock we control."""
    from bot.breaker import AdaptiveCircuitBreaker, DynamoBreakerStore
    from bot.settings import get_settings

    clock = [report_end().timestamp() - 3600]
    store = DynamoBreakerStore(get_settings().tables.state)
    breaker = AdaptiveCircuitBreaker("monitoring-api", store, open_timeout_s=30, clock=lambda: clock[0])
    for _ in range(5):
        breaker.record_failure()
    clock[0] += RECOVERY_S
    assert breaker.allow_request()
    for _ in range(3):
        breaker.record_success()


@pytest.fixture
def known(stack: Devstack) -> Devstack:
    write_known_datapoints(stack.aws.endpoint_url)
    write_known_breaker_recovery()
    return stack


def test_every_number_of_the_24h_report_matches_the_datapoints(known: Devstack) -> None:
    from bot.reports.sla import build_sla_report
    from bot.settings import get_settings

    report = build_sla_report(get_settings(), window="24h", now=NOW)
    assert report.end == report_end() and report.queries == 11
    (service,) = report.services
    m = _by_key(service)
    requests, e5, e4 = totals(timedelta(hours=24))
    assert service.requests == requests and service.errors_5xx == e5 and service.errors_4xx == e4
    assert m["availability"].value == pytest.approx((1 - e5 / requests) * 100)
    assert m["error_rate"].value == pytest.approx(e5 / requests * 100)
    assert f"{e4 / requests * 100:.2f} %" in m["error_rate"].detail
    assert m["latency_p95"].value == nearest_rank(LATENCY_RECENT, 95)  # the old 900 ms values are outside 24 h
    assert m["apigw_p95"].value == nearest_rank(LATENCY_RECENT, 95)
    assert m[f"lambda_p95:{FUNCTION}"].value == nearest_rank(DURATION_RECENT, 95)
    slowest = max(statistics.mean(DYNAMO_QUERY), statistics.mean(DYNAMO_PUT))  # perfbot.yml: Query, PutItem
    assert m[f"dynamodb_p95:{TABLE}"].value == slowest and "slowest of Query" in m[f"dynamodb_p95:{TABLE}"].detail
    assert m["breaker_recovery"].value == pytest.approx(RECOVERY_S)

    burns = {b.window: b for b in service.burn_rates}
    for window, span in (("1h", timedelta(hours=1)), ("6h", timedelta(hours=6))):
        req, err, _ = totals(span)
        assert (burns[window].requests, burns[window].errors) == (req, err)
        assert burns[window].rate == pytest.approx(err / req / SLO_ALLOWED)
    assert burns["1h"].alerting is (totals(timedelta(hours=1))[1] / totals(timedelta(hours=1))[0] / SLO_ALLOWED >= 14.4)

    req30, err30, _ = totals(timedelta(days=30))
    assert service.budget.requests == req30 and service.budget.errors == err30
    assert service.budget.allowed_errors == pytest.approx(SLO_ALLOWED * req30)
    assert service.budget.remaining == pytest.approx(1 - err30 / (SLO_ALLOWED * req30))


def test_marks_follow_the_objectives(known: Devstack) -> None:
    from bot.reports.common import Mark
    from bot.reports.sla import build_sla_report
    from bot.settings import get_settings

    (service,) = build_sla_report(get_settings(), window="24h", now=NOW).services
    m = _by_key(service)
    requests, e5, _ = totals(timedelta(hours=24))
    assert e5 / requests > SLO_ALLOWED  # the datapoints break availability on purpose
    assert m["availability"].mark is Mark.BREACH and m["error_rate"].mark is Mark.BREACH
    assert m["latency_p95"].mark is Mark.PASS  # 199 ms < 500 ms
    assert m["apigw_p95"].mark is Mark.BREACH  # 199 ms > 100 ms
    assert m[f"lambda_p95:{FUNCTION}"].mark is Mark.BREACH  # 6200 ms > 5000 ms
    assert m[f"dynamodb_p95:{TABLE}"].mark is Mark.AT_RISK  # 48 ms average: within 10 % of 50 ms
    assert m["breaker_recovery"].mark is Mark.PASS  # 42 s < 54 s (within 10 % of the 60 s SLO would be at risk)
    assert service.mark is Mark.BREACH


def test_seven_day_window_uses_a_whole_number_of_windows_and_still_a_30_day_budget(known: Devstack) -> None:
    from bot.reports.sla import build_sla_report
    from bot.settings import get_settings

    report = build_sla_report(get_settings(), window="7d", now=NOW)
    assert report.end - report.start == timedelta(days=35)  # 5 × 7 d ≥ 30 d: the last 7-d bucket ends at `end`
    (service,) = report.services
    m = _by_key(service)
    requests, e5, _ = totals(timedelta(days=7))
    assert service.requests == requests
    assert m["availability"].value == pytest.approx((1 - e5 / requests) * 100)
    assert m["apigw_p95"].value == nearest_rank(LATENCY_RECENT + LATENCY_OLD, 95)  # one real 7-day percentile
    req30, err30, _ = totals(timedelta(days=30))  # the 32-day-old burst is in the span but not the budget
    assert service.budget.remaining == pytest.approx(1 - err30 / (SLO_ALLOWED * req30))


def test_one_hour_window(known: Devstack) -> None:
    from bot.reports.sla import build_sla_report
    from bot.settings import get_settings

    (service,) = build_sla_report(get_settings(), window="1h", now=NOW).services
    m = _by_key(service)
    requests, e5, _ = totals(timedelta(hours=1))
    assert service.requests == requests
    assert m["error_rate"].value == pytest.approx(e5 / requests * 100)
    assert m["apigw_p95"].value is None and m["apigw_p95"].missing == "no data in the window"  # latency was 2 h ago
    assert m[f"lambda_p95:{FUNCTION}"].value == nearest_rank(DURATION_RECENT, 95)
