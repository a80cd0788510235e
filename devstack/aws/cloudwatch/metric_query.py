"""GetMetricData and GetMetricStatistics over the indexed store, validated the way CloudWatch validates them.

Period buckets: StartTime is first rounded down as the CloudWatch API reference documents (sub-minute periods
of 5/10/20/30 s to that division of the minute; otherwise to the whole minute when StartTime is less than
15 days old, to 5 minutes up to 63 days, to the hour beyond). Buckets then start at that rounded StartTime and
every `Period` seconds after it (so they are aligned to the request, not to the epoch); EndTime is exclusive.
Only buckets that have data produce a value. GetMetricData returns TimestampDescending unless ScanBy says
otherwise; MaxDatapoints/NextToken pagination is not implemented (everything fits in one page).
"""

from __future__ import annotations

import math
import re
import time
from collections import defaultdict
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterCombination, InvalidParameterValue, ValidationError

from . import metric_math, stats
from .metric_store import MetricStore, dimension_key, from_epoch, to_epoch
from .stats import Datum

MAX_QUERIES = 500
MAX_STATISTICS_DATAPOINTS = 1440
_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
_DAY = 86400


def valid_period(period: int) -> bool:
    return period in (1, 5, 10, 20, 30) or (period > 0 and period % 60 == 0)


def align_start(start: float, period: int, now: float | None = None) -> float:
    """Round StartTime down as the CloudWatch API reference describes (see the module docstring)."""
    if period < 60:
        return math.floor(start / period) * period
    age = (now or time.time()) - start
    step = 60 if age < 15 * _DAY else 300 if age < 63 * _DAY else 3600
    return math.floor(start / step) * step


def bucketize(data: list[Datum], start: float, period: int) -> dict[float, list[Datum]]:
    buckets: dict[float, list[Datum]] = defaultdict(list)
    for datum in data:
        buckets[start + ((datum.timestamp - start) // period) * period].append(datum)
    return buckets


def _stat_series(store: MetricStore, stat: dict[str, Any], start: float, end: float) -> dict[float, float]:
    metric = stat["Metric"]
    key = (metric.get("Namespace", ""), metric.get("MetricName", ""), dimension_key(metric.get("Dimensions")))
    period = int(stat["Period"])
    aligned = align_start(start, period)
    data = store.window(key, aligned, end, stat.get("Unit"))
    out: dict[float, float] = {}
    for bucket_start, bucket in sorted(bucketize(data, aligned, period).items()):
        value = stats.compute(stat["Stat"], bucket)
        if value is not None:
            out[bucket_start] = value
    return out


def _validate_queries(queries: list[dict[str, Any]]) -> None:
    if len(queries) > MAX_QUERIES:
        raise ValidationError(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
    seen: set[str] = set()
    for number, query in enumerate(queries, start=1):
        prefix = f"MetricDataQueries.member.{number}"
        qid = str(query.get("Id", ""))
        if not _ID.match(qid):
            raise ValidationError(
                f"The value {qid} for parameter {prefix}.Id is not valid: it must start with a lowercase "
                "letter and contain only letters, numbers and underscores."
            )
        if qid in seen:
            raise ValidationError(f"The values for parameter Id in MetricDataQueries are not unique ({qid}).")
        seen.add(qid)
        has_stat, has_expr = "MetricStat" in query, bool(query.get("Expression"))
        if has_stat == has_expr:
            which = "both MetricStat and Expression" if has_stat else "neither MetricStat nor Expression"
            raise ValidationError(f"{prefix} must specify exactly one of MetricStat or Expression, not {which}.")
        if has_stat:
            _validate_metric_stat(query["MetricStat"], f"{prefix}.MetricStat")
        elif str(query["Expression"]).lstrip().upper().startswith("SELECT"):
            raise ValidationError(f"{prefix}.Expression: Metrics Insights queries are not supported by devstack.")


def _validate_metric_stat(stat: dict[str, Any], prefix: str) -> None:
    if not stats.is_supported(str(stat.get("Stat", ""))):
        raise ValidationError(f"The value {stat.get('Stat')} for parameter {prefix}.Stat is not supported.")
    if not valid_period(int(stat.get("Period", 0))):
        raise ValidationError(
            f"The parameter {prefix}.Period must be 1, 5, 10, 20, 30 or a multiple of 60 (got {stat.get('Period')})."
        )


def get_metric_data(store: MetricStore, params: dict[str, Any]) -> list[dict[str, Any]]:
    start, end = to_epoch(params["StartTime"]), to_epoch(params["EndTime"])
    if start > end:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    if start == end:
        raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
    queries: list[dict[str, Any]] = list(params.get("MetricDataQueries") or [])
    _validate_queries(queries)
    by_id = {q["Id"]: q for q in queries}
    stat_periods = [int(q["MetricStat"]["Period"]) for q in queries if "MetricStat" in q]
    default_period = min(stat_periods) if stat_periods else 60
    cache: dict[str, dict[float, float]] = {}
    stack: list[str] = []

    def resolve(qid: str) -> dict[float, float]:
        if qid in cache:
            return cache[qid]
        if qid not in by_id:
            raise metric_math.MathError(f"unknown identifier {qid!r}")
        if qid in stack:
            raise metric_math.MathError(f"circular reference through {qid!r}")
        query = by_id[qid]
        stack.append(qid)
        try:
            if "MetricStat" in query:
                cache[qid] = _stat_series(store, query["MetricStat"], start, end)
            else:
                cache[qid] = _expression_series(query, resolve, start, end, default_period)
        finally:
            stack.pop()
        return cache[qid]

    results = []
    for query in queries:
        series = resolve(query["Id"])
        if query.get("ReturnData", True) is False:
            continue
        results.append(_result(query, series, params.get("ScanBy") or "TimestampDescending"))
    return results


def _expression_series(
    query: dict[str, Any], resolve: metric_math.Resolver, start: float, end: float, default_period: int
) -> dict[float, float]:
    period = int(query.get("Period") or default_period)
    aligned = align_start(start, period)
    grid = [aligned + i * period for i in range(math.ceil((end - aligned) / period))]
    try:
        return metric_math.evaluate(str(query["Expression"]), resolve, grid)
    except metric_math.MathError as err:  # the innermost failing expression names itself
        raise ValidationError(f"Error in expression {query['Id']} [{query['Expression']}]: {err}") from None


def _result(query: dict[str, Any], series: dict[float, float], scan_by: str) -> dict[str, Any]:
    items = sorted(series.items(), reverse=scan_by != "TimestampAscending")
    label = query.get("Label") or query.get("MetricStat", {}).get("Metric", {}).get("MetricName") or query["Id"]
    return {
        "Id": query["Id"],
        "Label": label,
        "Timestamps": [from_epoch(t) for t, _ in items],
        "Values": [v for _, v in items],
        "StatusCode": "Complete",
        "Messages": [],
    }


def get_metric_statistics(store: MetricStore, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Datapoints in ascending time order, each with the requested Statistics and ExtendedStatistics."""
    statistics: list[str] = list(params.get("Statistics") or [])
    extended: list[str] = list(params.get("ExtendedStatistics") or [])
    _validate_statistics(statistics, extended)
    start, end = to_epoch(params["StartTime"]), to_epoch(params["EndTime"])
    period = int(params.get("Period") or 0)
    if start >= end:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    if not valid_period(period):
        raise InvalidParameterValue("The parameter Period must be 1, 5, 10, 20, 30 or a multiple of 60.")
    aligned = align_start(start, period)
    requested = math.ceil((end - aligned) / period)
    if requested > MAX_STATISTICS_DATAPOINTS:
        raise InvalidParameterCombination(
            f"You have requested up to {requested:,} datapoints, which exceeds the limit of "
            f"{MAX_STATISTICS_DATAPOINTS:,}. You may reduce the datapoints requested by increasing Period, "
            "or decreasing the time range."
        )
    key = (params.get("Namespace", ""), params.get("MetricName", ""), dimension_key(params.get("Dimensions")))
    unit = params.get("Unit")
    datapoints = []
    for bucket_start, bucket in sorted(bucketize(store.window(key, aligned, end, unit), aligned, period).items()):
        point: dict[str, Any] = {"Timestamp": from_epoch(bucket_start), "Unit": unit or bucket[0].unit or "None"}
        for stat in statistics:
            point[stat] = stats.compute(stat, bucket)
        percentiles = {p: stats.compute(p, bucket) for p in extended}
        available = {p: v for p, v in percentiles.items() if v is not None}
        if available:
            point["ExtendedStatistics"] = available
        if statistics or available:
            datapoints.append(point)
    return datapoints


def _validate_statistics(statistics: list[str], extended: list[str]) -> None:
    if not statistics and not extended:
        raise InvalidParameterCombination("Must specify either Statistics or ExtendedStatistics")
    if statistics and extended:
        raise InvalidParameterCombination("Must specify either Statistics or ExtendedStatistics, but not both")
    for stat in statistics:
        if stat not in stats.BASIC_STATS:
            raise InvalidParameterValue(f"The value {stat} for parameter Statistics is not supported.")
    for stat in extended:
        if stats.parse_percentile(stat) is None:
            raise InvalidParameterValue(
                f"The value {stat} for parameter ExtendedStatistics is not supported; use p0.0 to p100."
            )
