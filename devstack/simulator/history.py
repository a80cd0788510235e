"""The weeks before the simulated day, hour by hour: what a usage pattern (14 days of hourly traffic) reads.

Each earlier day repeats the simulated day's traffic shape hour by hour (its incident minutes left out), scaled by
the weekday (weekends are quieter) and a little noise per hour. Written as hourly statistic sets: what a usage
pattern reads (API Gateway ``Count``, Lambda ``Invocations``) and what a week's cost estimate sums (Lambda
``Duration``, DynamoDB consumed capacity), so a 7-day cost report stays consistent; reports over the simulated day
itself are unchanged.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from devstack.simulator.metrics import MetricNames, batches, count, dims, per_request
from devstack.simulator.traffic import Minute

WEEKEND_FACTOR = 0.6  # Saturday and Sunday carry 60 % of a weekday's traffic
HOUR_NOISE = 0.05


@dataclass(frozen=True)
class Hour:
    at: datetime
    requests: int
    invocations: int
    duration_ms: float = 0.0  # the hour's Lambda Duration Sum
    read_units: float = 0.0
    reads: int = 0
    write_units: float = 0.0
    writes: int = 0


def _duration_sum(m: Minute) -> float:
    if m.duration is None:
        return 0.0
    return float(m.duration.statistic_set()["StatisticValues"]["Sum"])


def history_hours(minutes: list[Minute], start: datetime, days: int, seed: int) -> list[Hour]:
    """Hourly traffic of the ``days - 1`` days before ``start`` (the minute-level day is the last of ``days``)."""
    template: dict[int, list[Minute]] = defaultdict(list)
    for m in minutes:
        if m.incident == 0:
            template[m.at.hour].append(m)
    rng = random.Random(seed)
    hours = []
    for k in range(24 * (days - 1)):
        at = start - timedelta(hours=24 * (days - 1) - k)
        same = template[at.hour]
        factor = (WEEKEND_FACTOR if at.weekday() >= 5 else 1.0) * max(0.5, 1 + rng.gauss(0, HOUR_NOISE))
        scale = 60 / (len(same) or 1) * factor

        def total(value: object, same: list[Minute] = same, scale: float = scale) -> float:
            return sum(value(m) for m in same) * scale  # type: ignore[operator]

        hours.append(
            Hour(
                at=at,
                requests=round(total(lambda m: m.requests)),
                invocations=round(total(lambda m: m.invocations)),
                duration_ms=total(_duration_sum),
                read_units=total(lambda m: m.read_units),
                reads=round(total(lambda m: m.queries)),
                write_units=total(lambda m: m.write_units),
                writes=round(total(lambda m: m.puts)),
            )
        )
    return hours


def published_hours(cloudwatch: Any, names: MetricNames, start: datetime, end: datetime) -> set[datetime]:
    """Hours of [start, end) that already have API Count data: a re-run writes only the others."""
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/ApiGateway",
        MetricName="Count",
        Dimensions=dims(ApiName=names.api_name),
        StartTime=start,
        EndTime=end,
        Period=3600,
        Statistics=["SampleCount"],
    )
    return {point["Timestamp"] for point in answer.get("Datapoints", [])}


def publish_history(cloudwatch: Any, names: MetricNames, hours: list[Hour]) -> int:
    """Write the hours not yet published; returns the datums written."""
    if not hours:
        return 0
    done = published_hours(cloudwatch, names, hours[0].at, hours[-1].at + timedelta(hours=1))
    api, fn = dims(ApiName=names.api_name), dims(FunctionName=names.function_name)
    table = dims(TableName=names.table_name)
    by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for hour in hours:
        if hour.at in done:
            continue
        stamp = {"Timestamp": hour.at, "Unit": "Count"}
        by_namespace["AWS/ApiGateway"].append(
            {"MetricName": "Count", "Dimensions": api, **stamp, **count(hour.requests)}
        )
        by_namespace["AWS/Lambda"].append(
            {"MetricName": "Invocations", "Dimensions": fn, **stamp, **count(hour.invocations)}
        )
        if hour.invocations and hour.duration_ms:
            each = hour.duration_ms / hour.invocations
            stats = {"SampleCount": float(hour.invocations), "Sum": hour.duration_ms, "Minimum": each, "Maximum": each}
            by_namespace["AWS/Lambda"].append(
                {"MetricName": "Duration", "Dimensions": fn, "Timestamp": hour.at, "Unit": "Milliseconds"}
                | {"StatisticValues": stats}
            )
        for metric, requests, units in (
            ("ConsumedReadCapacityUnits", hour.reads, hour.read_units),
            ("ConsumedWriteCapacityUnits", hour.writes, hour.write_units),
        ):
            if requests:
                by_namespace["AWS/DynamoDB"].append(
                    {
                        "MetricName": metric,
                        "Dimensions": table,
                        **stamp,
                        **per_request(requests, units, units / requests),
                    }
                )
    for namespace, entries in by_namespace.items():
        for batch in batches(entries):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=batch)
    return sum(len(entries) for entries in by_namespace.values())
