"""`/perf metrics` arguments, the breaker report and regression detection, on canned answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.aws.cloudwatch import Series
from bot.breaker import AdaptiveCircuitBreaker, InMemoryBreakerStore
from bot.reports.breaker import build_breaker_report
from bot.reports.common import Mark, ReportInputError
from bot.reports.metrics import parse_metrics_args
from bot.reports.regressions import scan_regressions
from tests.unit.reports.conftest import FakeCloudWatch

END = datetime(2026, 11, 26, 19, 5, tzinfo=UTC)


def test_metrics_arguments(settings: Any) -> None:
    request = parse_metrics_args(settings, ["monitoring-api"])
    assert (request.metric.name, request.window, request.stat) == ("latency", "24h", "p95")
    request = parse_metrics_args(settings, ["monitoring-api", "7d", "Maximum", "duration"])
    assert (request.metric.metric, request.window, request.stat) == ("Duration", "7d", "Maximum")
    assert parse_metrics_args(settings, ["monitoring-api", "requests", "p99.9"]).stat == "p99.9"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ([], "Which service"),
        (["nope"], "Known services: monitoring-api"),
        (["monitoring-api", "latancy"], "not a metric I know"),
        (["monitoring-api", "latency", "6h"], "1h, 24h, 7d, 30d"),
        (["monitoring-api", "latency", "p101"], "not a metric I know"),
    ],
)
def test_bad_metrics_arguments(settings: Any, args: list[str], problem: str) -> None:
    with pytest.raises(ReportInputError, match=problem):
        parse_metrics_args(settings, args)


def test_breaker_report_of_an_open_breaker(settings: Any) -> None:
    store = InMemoryBreakerStore()
    clock = [END.timestamp() - 20]
    breaker = AdaptiveCircuitBreaker("monitoring-api", store, clock=lambda: clock[0])
    for _ in range(5):
        breaker.record_failure()
    count = Series(id="q0", label="q0", timestamps=[END - timedelta(minutes=5)], values=[36000.0])
    report = build_breaker_report(settings, now=END, store=store, cloudwatch=FakeCloudWatch({"q0": count}))  # type: ignore[arg-type]
    (row,) = report.rows
    assert (row.state, row.failures, row.threshold) == ("OPEN", 5, 5)
    assert row.seconds_until_half_open == pytest.approx(40)
    assert row.recovery_ongoing and row.recovery_s == pytest.approx(20) and row.recovery_mark is Mark.AT_RISK
    assert row.qps == pytest.approx(120) and row.adaptive_threshold == 10  # QPS > 100 → 10


def test_breaker_never_written_says_so(settings: Any) -> None:
    report = build_breaker_report(settings, now=END, store=InMemoryBreakerStore(), cloudwatch=FakeCloudWatch())  # type: ignore[arg-type]
    (row,) = report.rows
    assert not row.found and row.missing and "never" in row.missing


def _hourly_p95(current: float, baseline: list[float]) -> Series:
    hour = END - timedelta(hours=1)
    points = [(hour - timedelta(days=d), v) for d, v in enumerate(baseline, start=1)] + [(hour, current)]
    points.sort()
    return Series(id="x", label="x", timestamps=[t for t, _ in points], values=[v for _, v in points])


def test_regression_is_more_than_20_percent_above_the_median_of_the_same_hours(settings: Any) -> None:
    baseline = [100.0, 90.0, 110.0, 100.0, 95.0, 105.0, 400.0]  # median 100; one bad day does not move it
    answers = {
        "s0_api": _hourly_p95(121.0, baseline),  # +21 %: regression
        "s0_fn0": _hourly_p95(120.0, baseline),  # exactly +20 %: not more than 20 %
        "s0_tb0_0": Series(id="s0_tb0_0", label="", complete=False),
    }
    cloudwatch = FakeCloudWatch(answers)
    scan = scan_regressions(settings, now=END, cloudwatch=cloudwatch)  # type: ignore[arg-type]
    (_queries, start, end) = cloudwatch.calls[0]
    assert len(cloudwatch.calls) == 1 and end - start == timedelta(days=8)
    assert scan.checked == 2
    (regression,) = scan.regressions
    assert regression.metric == "API Gateway latency p95" and regression.baseline == 100.0
    assert regression.percent == pytest.approx(21.0)
    assert scan.missing and "DynamoDB" in scan.missing[0]


def test_a_lambda_regression_points_at_the_lambda_duration_metric(settings: Any) -> None:
    from bot.slack.render.reports import regression_blocks

    baseline = [100.0] * 7
    answers = {"s0_api": _hourly_p95(100.0, baseline), "s0_fn0": _hourly_p95(200.0, baseline)}
    scan = scan_regressions(settings, now=END, cloudwatch=FakeCloudWatch(answers))  # type: ignore[arg-type]
    (regression,) = scan.regressions
    assert (regression.metric, regression.catalog_metric) == ("Lambda duration p95", "duration")
    hint = json.dumps(regression_blocks(scan))
    assert "/perf metrics monitoring-api duration 7d" in hint and "latency 7d" not in hint  # was `… latency 7d`


def test_large_numbers_are_written_out_not_in_exponent_form() -> None:
    from bot.reports.text import number

    assert number(75190.0, "RCU") == "75,190 RCU"  # was "7.519e+04 RCU"
    assert number(12.5, "RCU") == "12.5 RCU" and number(0, "") == "0"
