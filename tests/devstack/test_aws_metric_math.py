"""Metric math in GetMetricData: the parser on its own, then expressions through real boto3 over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.aws.cloudwatch import metric_math

NS = "AWS/ApiGateway"
API = [{"Name": "ApiName", "Value": "monitoring-api"}]
T0 = (datetime.now(UTC) - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
GRID = [0.0, 60.0, 120.0]


def series(**named: dict[float, float]) -> metric_math.Resolver:
    def resolve(name: str) -> dict[float, float]:
        if name not in named:
            raise metric_math.MathError(f"unknown identifier {name!r}")
        return named[name]

    return resolve


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("-2 ^ 2", -4.0),
        ("10 / 4 - -1", 3.5),
        ("2 * -(3 - 1)", -4.0),
        ("1.5e2 / .5", 300.0),
    ],
)
def test_scalar_arithmetic_and_precedence(text: str, expected: float) -> None:
    assert metric_math.evaluate(text, series(), GRID) == dict.fromkeys(GRID, expected)


def test_series_align_on_timestamps_and_division_by_zero_drops_points() -> None:
    resolve = series(a={0.0: 1.0, 60.0: 4.0, 120.0: 9.0}, b={0.0: 2.0, 60.0: 0.0, 180.0: 5.0})
    assert metric_math.evaluate("a / b", resolve, GRID) == {0.0: 0.5}
    assert metric_math.evaluate("a * 2 + 1", resolve, GRID) == {0.0: 3.0, 60.0: 9.0, 120.0: 19.0}
    assert metric_math.evaluate("FILL(b, 1)", resolve, GRID) == {0.0: 2.0, 60.0: 0.0, 120.0: 1.0, 180.0: 5.0}
    assert metric_math.evaluate("a - MAX(a)", resolve, GRID) == {0.0: -8.0, 60.0: -5.0, 120.0: 0.0}
    assert metric_math.evaluate("SUM([a, b])", resolve, GRID) == {0.0: 3.0, 60.0: 4.0, 120.0: 9.0, 180.0: 5.0}


@pytest.mark.parametrize("text", ["1 +", "(m1", "m1 m2", "m1 % 2", "", "NOPE(m1)", "Upper + 1", "FILL(m1)"])
def test_syntax_errors(text: str) -> None:
    with pytest.raises(metric_math.MathError):
        metric_math.evaluate(text, series(m1={0.0: 1.0}, m2={0.0: 1.0}), GRID)


def test_references() -> None:
    assert metric_math.references(metric_math.parse("100 * (1 - m5xx / mcount) + FILL(e1, 0)")) == {
        "m5xx",
        "mcount",
        "e1",
    }


def _put_counts(cloudwatch: Any, name: str, per_minute: dict[int, float]) -> None:
    data = [
        {"MetricName": name, "Dimensions": API, "Timestamp": T0 + timedelta(minutes=m), "Value": v, "Unit": "Count"}
        for m, v in per_minute.items()
    ]
    cloudwatch.put_metric_data(Namespace=NS, MetricData=data)


def _sum_query(qid: str, name: str) -> dict[str, Any]:
    metric = {"Namespace": NS, "MetricName": name, "Dimensions": API}
    return {"Id": qid, "MetricStat": {"Metric": metric, "Period": 300, "Stat": "Sum"}, "ReturnData": False}


def test_availability_expression_matches_independent_values(cloudwatch: Any) -> None:
    counts = {m: 100.0 + m for m in range(15)}
    errors = {m: float(m % 3) for m in range(15)}
    _put_counts(cloudwatch, "Count", counts)
    _put_counts(cloudwatch, "5XXError", errors)
    queries = [
        _sum_query("m5xx", "5XXError"),
        _sum_query("mcount", "Count"),
        {"Id": "availability", "Expression": "100 * (1 - m5xx / mcount)", "Label": "Availability %"},
        {"Id": "errors_pct", "Expression": "100 - availability"},  # an expression of an expression
    ]
    results = cloudwatch.get_metric_data(
        StartTime=T0, EndTime=T0 + timedelta(minutes=15), MetricDataQueries=queries, ScanBy="TimestampAscending"
    )["MetricDataResults"]
    assert [r["Id"] for r in results] == ["availability", "errors_pct"]  # ReturnData false hides the inputs
    availability = results[0]
    assert availability["Label"] == "Availability %"
    assert availability["Timestamps"] == [T0 + timedelta(minutes=m) for m in (0, 5, 10)]
    for index, start in enumerate((0, 5, 10)):
        total = sum(counts[m] for m in range(start, start + 5))
        failed = sum(errors[m] for m in range(start, start + 5))
        expected = 100 * (1 - failed / total)
        assert availability["Values"][index] == pytest.approx(expected)
        assert results[1]["Values"][index] == pytest.approx(100 - expected)


def test_division_by_zero_drops_the_point(cloudwatch: Any) -> None:
    _put_counts(cloudwatch, "Count", {0: 0.0, 5: 50.0})
    _put_counts(cloudwatch, "5XXError", {0: 0.0, 5: 5.0})
    results = cloudwatch.get_metric_data(
        StartTime=T0,
        EndTime=T0 + timedelta(minutes=10),
        MetricDataQueries=[
            _sum_query("m5xx", "5XXError"),
            _sum_query("mcount", "Count"),
            {"Id": "rate", "Expression": "m5xx / mcount"},
        ],
    )["MetricDataResults"]
    assert results[0]["Timestamps"] == [T0 + timedelta(minutes=5)]
    assert results[0]["Values"] == [0.1]


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [("100 * nosuch", "nosuch"), ("100 * (1 - m5xx", "expected"), ("e1 + 1", "circular")],
)
def test_bad_expressions_are_validation_errors(cloudwatch: Any, expression: str, fragment: str) -> None:
    queries = [_sum_query("m5xx", "5XXError"), {"Id": "e1", "Expression": expression}]
    with pytest.raises(ClientError) as err:
        cloudwatch.get_metric_data(StartTime=T0, EndTime=T0 + timedelta(minutes=5), MetricDataQueries=queries)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert fragment in err.value.response["Error"]["Message"]
