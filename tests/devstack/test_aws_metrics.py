"""Embedded CloudWatch metrics through real boto3 over HTTP: statistics, percentiles, matching, limits."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devstack.aws.cloudwatch.stats import percentile

NS = "AWS/ApiGateway"
API = [{"Name": "ApiName", "Value": "monitoring-api"}]
# A fixed hour well inside CloudWatch's "less than 15 days old" window, aligned to 5 minutes.
T0 = (datetime.now(UTC) - timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)


def expand(points: list[tuple[float, int]]) -> list[float]:
    """The independent reference: expand (value, count) into a plain sorted list of samples."""
    return sorted(v for v, c in points for _ in range(c))


def nearest_rank(samples: list[float], p: float) -> float:
    """Textbook nearest-rank percentile over an explicit sample list."""
    if p == 0:
        return samples[0]
    return samples[max(math.ceil(p / 100 * len(samples)), 1) - 1]


def stat_query(
    qid: str, name: str, stat: str, period: int = 300, dims: list[dict[str, str]] | None = None, **extra: Any
) -> dict[str, Any]:
    metric = {"Namespace": NS, "MetricName": name, "Dimensions": API if dims is None else dims}
    return {"Id": qid, "MetricStat": {"Metric": metric, "Period": period, "Stat": stat}, **extra}


def put_latency(cloudwatch: Any, minute: int, points: list[tuple[float, int]], *, single: bool = False) -> None:
    values, counts = [v for v, _ in points], [c for _, c in points]
    datum: dict[str, Any] = {
        "MetricName": "Latency",
        "Dimensions": API,
        "Unit": "Milliseconds",
        "Timestamp": T0 + timedelta(minutes=minute),
    }
    if single:
        datum["Value"] = values[0]
    else:
        datum.update(Values=values, Counts=counts)
    cloudwatch.put_metric_data(Namespace=NS, MetricData=[datum])


def error_code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def test_p95_from_get_metric_data_matches_independent_computation(cloudwatch: Any) -> None:
    rng = random.Random(7)
    written: list[tuple[float, int]] = []
    for minute in range(5):  # one 300 s bucket, five PutMetricData members
        points = [(round(rng.uniform(20, 900), 1), rng.randint(1, 4)) for _ in range(30)]
        put_latency(cloudwatch, minute, points)
        written += points
    put_latency(cloudwatch, 2, [(1234.5, 1)], single=True)  # plain Value
    written.append((1234.5, 1))

    result = cloudwatch.get_metric_data(
        StartTime=T0, EndTime=T0 + timedelta(minutes=5), MetricDataQueries=[stat_query("lat", "Latency", "p95")]
    )["MetricDataResults"][0]

    assert result["Timestamps"] == [T0]
    assert result["Values"] == [pytest.approx(nearest_rank(expand(written), 95))]
    assert result["StatusCode"] == "Complete"
    assert result["Label"] == "Latency"


def test_extended_statistics_p99_p50_and_fractional(cloudwatch: Any) -> None:
    rng = random.Random(11)
    buckets: dict[int, list[tuple[float, int]]] = {0: [], 5: []}
    for minute in range(10):
        points = [(float(rng.randint(1, 500)), rng.randint(1, 3)) for _ in range(25)]
        put_latency(cloudwatch, minute, points)
        buckets[minute - minute % 5] += points

    datapoints = cloudwatch.get_metric_statistics(
        Namespace=NS,
        MetricName="Latency",
        Dimensions=API,
        StartTime=T0,
        EndTime=T0 + timedelta(minutes=10),
        Period=300,
        ExtendedStatistics=["p99", "p50", "p99.9", "p12.5"],
    )["Datapoints"]

    assert [d["Timestamp"] for d in datapoints] == [T0, T0 + timedelta(minutes=5)]
    for point, start in zip(datapoints, (0, 5), strict=True):
        samples = expand(buckets[start])
        for stat, p in (("p99", 99), ("p50", 50), ("p99.9", 99.9), ("p12.5", 12.5)):
            assert point["ExtendedStatistics"][stat] == pytest.approx(nearest_rank(samples, p)), stat
        assert point["Unit"] == "Milliseconds"


def test_basic_statistics_with_statistic_sets(cloudwatch: Any) -> None:
    put_latency(cloudwatch, 0, [(10.0, 2), (30.0, 1)])
    cloudwatch.put_metric_data(
        Namespace=NS,
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": API,
                "Unit": "Milliseconds",
                "Timestamp": T0 + timedelta(minutes=1),
                "StatisticValues": {"SampleCount": 4, "Sum": 200, "Minimum": 5, "Maximum": 90},
            }
        ],
    )
    point = cloudwatch.get_metric_statistics(
        Namespace=NS,
        MetricName="Latency",
        Dimensions=API,
        StartTime=T0,
        EndTime=T0 + timedelta(minutes=5),
        Period=300,
        Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
    )["Datapoints"][0]
    assert point["SampleCount"] == 7
    assert point["Sum"] == 250
    assert point["Average"] == pytest.approx(250 / 7)
    assert (point["Minimum"], point["Maximum"]) == (5, 90)


def test_percentiles_unavailable_for_statistic_sets_like_aws(cloudwatch: Any) -> None:
    cloudwatch.put_metric_data(
        Namespace=NS,
        MetricData=[
            {
                "MetricName": "Latency",
                "Dimensions": API,
                "Timestamp": T0,
                "StatisticValues": {"SampleCount": 10, "Sum": 1000, "Minimum": 20, "Maximum": 300},
            }
        ],
    )
    results = cloudwatch.get_metric_data(
        StartTime=T0,
        EndTime=T0 + timedelta(minutes=5),
        MetricDataQueries=[stat_query("p", "Latency", "p95"), stat_query("s", "Latency", "Sum")],
    )["MetricDataResults"]
    assert results[0]["Values"] == []
    assert results[1]["Values"] == [1000]


def test_dimensions_and_namespace_must_match_exactly(cloudwatch: Any) -> None:
    both = [*API, {"Name": "Stage", "Value": "dev"}]
    cloudwatch.put_metric_data(
        Namespace=NS,
        MetricData=[
            {"MetricName": "Count", "Dimensions": API, "Timestamp": T0, "Value": 1},
            {"MetricName": "Count", "Dimensions": both, "Timestamp": T0, "Value": 10},
            {
                "MetricName": "Count",
                "Dimensions": [{"Name": "ApiName", "Value": "other"}],
                "Timestamp": T0,
                "Value": 100,
            },
        ],
    )
    cloudwatch.put_metric_data(
        Namespace="Custom/Other",
        MetricData=[
            {"MetricName": "Count", "Dimensions": API, "Timestamp": T0, "Value": 1000},
        ],
    )
    end = T0 + timedelta(minutes=5)
    results = cloudwatch.get_metric_data(
        StartTime=T0,
        EndTime=end,
        MetricDataQueries=[
            stat_query("api", "Count", "Sum"),
            stat_query("staged", "Count", "Sum", dims=list(reversed(both))),
            stat_query("none", "Count", "Sum", dims=[]),
        ],
    )["MetricDataResults"]
    assert [r["Values"] for r in results] == [[1], [10], []]


def test_unit_filter(cloudwatch: Any) -> None:
    cloudwatch.put_metric_data(
        Namespace=NS,
        MetricData=[
            {"MetricName": "Latency", "Dimensions": API, "Timestamp": T0, "Value": 5, "Unit": "Milliseconds"},
            {"MetricName": "Latency", "Dimensions": API, "Timestamp": T0, "Value": 2, "Unit": "Seconds"},
        ],
    )
    end = T0 + timedelta(minutes=5)
    query = stat_query("ms", "Latency", "Sum")
    query["MetricStat"]["Unit"] = "Milliseconds"
    results = cloudwatch.get_metric_data(
        StartTime=T0, EndTime=end, MetricDataQueries=[query, stat_query("all", "Latency", "Sum")]
    )["MetricDataResults"]
    assert [r["Values"] for r in results] == [[5], [7]]


def test_buckets_order_label_and_return_data(cloudwatch: Any) -> None:
    for minute in (0, 6, 12):
        put_latency(cloudwatch, minute, [(float(minute), 1)])
    end = T0 + timedelta(minutes=15)
    queries = [
        stat_query("a", "Latency", "Maximum", Label="Gateway max"),
        stat_query("b", "Latency", "Sum", ReturnData=False),
    ]
    default = cloudwatch.get_metric_data(StartTime=T0, EndTime=end, MetricDataQueries=queries)["MetricDataResults"]
    assert [r["Id"] for r in default] == ["a"]
    assert default[0]["Label"] == "Gateway max"
    assert default[0]["Timestamps"] == [T0 + timedelta(minutes=m) for m in (10, 5, 0)]  # TimestampDescending
    assert default[0]["Values"] == [12, 6, 0]
    ascending = cloudwatch.get_metric_data(
        StartTime=T0, EndTime=end, MetricDataQueries=queries, ScanBy="TimestampAscending"
    )["MetricDataResults"][0]
    assert ascending["Values"] == [0, 6, 12]
    # EndTime is exclusive and StartTime inclusive
    narrow = cloudwatch.get_metric_data(
        StartTime=T0 + timedelta(minutes=6), EndTime=T0 + timedelta(minutes=12), MetricDataQueries=queries[:1]
    )["MetricDataResults"][0]
    assert narrow["Values"] == [6]


def test_more_than_500_queries_is_a_validation_error(cloudwatch: Any) -> None:
    end = T0 + timedelta(minutes=5)
    ok = [stat_query(f"q{i}", "Latency", "Sum") for i in range(500)]
    assert len(cloudwatch.get_metric_data(StartTime=T0, EndTime=end, MetricDataQueries=ok)["MetricDataResults"]) == 500
    with pytest.raises(ClientError) as err:
        cloudwatch.get_metric_data(
            StartTime=T0, EndTime=end, MetricDataQueries=[*ok, stat_query("q500", "Latency", "Sum")]
        )
    assert error_code(err) == "ValidationError"
    assert "500" in err.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        (stat_query("Bad", "Latency", "Sum"), "Id"),
        (stat_query("a", "Latency", "Median"), "Stat"),
        (stat_query("a", "Latency", "Sum", period=90), "Period"),
    ],
)
def test_invalid_queries_are_rejected(cloudwatch: Any, query: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ClientError) as err:
        cloudwatch.get_metric_data(StartTime=T0, EndTime=T0 + timedelta(minutes=5), MetricDataQueries=[query])
    assert error_code(err) == "ValidationError"
    assert fragment in err.value.response["Error"]["Message"]


def test_get_metric_statistics_validation(cloudwatch: Any) -> None:
    base = {"Namespace": NS, "MetricName": "Latency", "StartTime": T0, "EndTime": T0 + timedelta(days=2)}
    with pytest.raises(ClientError) as err:
        cloudwatch.get_metric_statistics(**base, Period=60, Statistics=["Sum"])
    assert error_code(err) == "InvalidParameterCombination"  # 2,880 datapoints > 1,440
    with pytest.raises(ClientError) as err:
        cloudwatch.get_metric_statistics(**base, Period=3600, ExtendedStatistics=["p101"])
    assert error_code(err) == "InvalidParameterValue"


def test_list_metrics_uses_the_store(cloudwatch: Any) -> None:
    cloudwatch.put_metric_data(
        Namespace=NS,
        MetricData=[
            {"MetricName": "Count", "Dimensions": API, "Timestamp": T0, "Value": 1},
            {"MetricName": "Latency", "Dimensions": API, "Timestamp": T0, "Value": 1},
            {"MetricName": "Latency", "Dimensions": API, "Timestamp": T0 + timedelta(minutes=1), "Value": 2},
        ],
    )
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Duration",
                "Dimensions": [{"Name": "FunctionName", "Value": "monitoring-api-dev"}],
                "Timestamp": T0,
                "Value": 1,
            },
        ],
    )
    everything = cloudwatch.list_metrics()["Metrics"]
    assert len(everything) == 3
    gateway = cloudwatch.list_metrics(Namespace=NS, Dimensions=[{"Name": "ApiName"}])["Metrics"]
    assert sorted(m["MetricName"] for m in gateway) == ["Count", "Latency"]
    assert gateway[0]["Dimensions"] == API


def test_day_of_minute_data_for_twenty_metrics_in_one_query(devstack_aws: Any) -> None:
    """Speed sanity (no timing assertion): 24 h x 1 min x 20 metrics x ~30 values, p95 at 300 s in one call."""
    # botocore gzips PutMetricData bodies; for 1 MB requests that costs more than the whole server side.
    cloudwatch = boto3.client("cloudwatch", config=Config(disable_request_compression=True))
    rng = random.Random(3)
    start = (datetime.now(UTC) - timedelta(days=1)).replace(second=0, microsecond=0)
    reference: list[tuple[float, int]] = []
    for metric in range(20):
        data = []
        for minute in range(1440):
            values = sorted({float(rng.randint(5, 900)) for _ in range(30)})
            counts = [rng.randint(1, 3) for _ in values]
            data.append(
                {
                    "MetricName": f"Latency{metric}",
                    "Dimensions": API,
                    "Values": values,
                    "Counts": counts,
                    "Timestamp": start + timedelta(minutes=minute),
                }
            )
            if metric == 7 and 600 <= minute < 605:
                reference += list(zip(values, counts, strict=True))
        for chunk in range(0, len(data), 1000):
            cloudwatch.put_metric_data(Namespace=NS, MetricData=data[chunk : chunk + 1000])

    queries = [stat_query(f"m{i}", f"Latency{i}", "p95") for i in range(20)]
    results = cloudwatch.get_metric_data(
        StartTime=start, EndTime=start + timedelta(days=1), MetricDataQueries=queries, ScanBy="TimestampAscending"
    )["MetricDataResults"]
    assert [len(r["Values"]) for r in results] == [288] * 20
    assert results[7]["Values"][120] == nearest_rank(expand(reference), 95)
    assert results[7]["Timestamps"][120] == start + timedelta(minutes=600)


def test_percentile_helper_edges() -> None:
    assert percentile([(5.0, 1), (1.0, 1), (3.0, 2)], 0) == 1.0
    assert percentile([(5.0, 1), (1.0, 1), (3.0, 2)], 50) == 3.0
    assert percentile([(5.0, 1), (1.0, 1), (3.0, 2)], 100) == 5.0
    assert percentile([(5.0, 1), (1.0, 99)], 99) == 1.0
    assert percentile([(5.0, 1), (1.0, 99)], 99.5) == 5.0
    assert percentile([], 50) is None


@pytest.mark.parametrize(
    "data",
    [
        [{"MetricName": "Latency", "Values": [1.0, 2.0], "Counts": [1.0]}],
        [{"MetricName": "Latency", "Values": [float(v) for v in range(151)]}],
        [{"MetricName": "Latency", "Value": 1.0, "Values": [1.0]}],
        [{"MetricName": "Latency", "Value": float(i)} for i in range(1001)],
    ],
)
def test_put_metric_data_validation(cloudwatch: Any, data: list[dict[str, Any]]) -> None:
    with pytest.raises(ClientError) as err:
        cloudwatch.put_metric_data(Namespace=NS, MetricData=data)
    assert error_code(err) == "InvalidParameterValue"
