"""The weeks before the simulated day, hour by hour: what a usage pattern (14 days of hourly traffic) reads.

Each earlier day repeats the simulated day's traffic shape hour by hour (its incident minutes left out), scaled by
the weekday (weekends are quieter) and a little noise per hour. Only traffic is written — API Gateway ``Count`` and
Lambda ``Invocations``, as hourly statistic sets — so reports over the simulated day itself are unchanged.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from devstack.simulator.metrics import MetricNames, batches, count, dims
from devstack.simulator.traffic import Minute

WEEKEND_FACTOR = 0.6  # Saturday and Sunday carry 60 % of a weekday's traffic
HOUR_NOISE = 0.05


@dataclass(frozen=True)
class Hour:
    at: datetime
    requests: int
    invocations: int


def history_hours(minutes: list[Minute], start: datetime, days: int, seed: int) -> list[Hour]:
    """Hourly traffic of the ``days - 1`` days before ``start`` (the minute-level day is the last of ``days``)."""
    requests: dict[int, list[int]] = defaultdict(list)
    invocations: dict[int, list[int]] = defaultdict(list)
    for m in minutes:
        if m.incident == 0:
            requests[m.at.hour].append(m.requests)
            invocations[m.at.hour].append(m.invocations)
    rng = random.Random(seed)
    hours = []
    for k in range(24 * (days - 1)):
        at = start - timedelta(hours=24 * (days - 1) - k)
        n = len(requests[at.hour]) or 1
        factor = (WEEKEND_FACTOR if at.weekday() >= 5 else 1.0) * max(0.5, 1 + rng.gauss(0, HOUR_NOISE))
        hours.append(
            Hour(
                at=at,
                requests=round(sum(requests[at.hour]) * 60 / n * factor),
                invocations=round(sum(invocations[at.hour]) * 60 / n * factor),
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
    for namespace, entries in by_namespace.items():
        for batch in batches(entries):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=batch)
    return sum(len(entries) for entries in by_namespace.values())
