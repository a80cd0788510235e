"""A simulated day without any server: the scenario's minutes, their CloudWatch datums, and the analysis inputs
that gathering them from AWS would produce — in memory, for the scenario corpus and the quality figures.

The datums are exactly what :func:`devstack.simulator.metrics.minute_metrics` publishes to the embedded AWS; the
queries are the analysis's own :class:`bot.analysis.metric_plan.MetricPlan`, answered here with CloudWatch's
statistics (Sum, SampleCount, Average, Maximum, pNN by nearest rank over Values/Counts, MAX([...]) math), so the
rule engine reads the same numbers it would read through GetMetricData.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.analysis.inputs import ApiInputs, BreakerInputs, LambdaInputs, ServiceInputs, TableInputs
from bot.analysis.metric_plan import MetricPlan
from bot.analysis.usage import UsagePattern, usage_pattern
from bot.aws.cloudwatch import MetricQuery, Series
from devstack.simulator.history import history_hours
from devstack.simulator.hot_keys import top_keys
from devstack.simulator.metrics import MetricNames, minute_metrics
from devstack.simulator.scenarios import Scenario
from devstack.simulator.traffic import MINUTES, Minute, build_day, qps_series

SERVICE = "monitoring-api"
NAMES = MetricNames(
    api_name="monitoring-api",
    stage="dev",
    function_name="monitoring-api-dev",
    alias="live",
    table_name="ApplicationMetrics-dev",
    environment="dev",
)
OPERATIONS = ("Query", "PutItem")


def _seed(text: str) -> int:
    return random.Random(text).getrandbits(63)


def simulated_minutes(scenario: Scenario, end: datetime) -> list[Minute]:
    """The scenario's day ending at ``end`` (no breaker trips: the corpus is about tuning, not the breaker)."""
    start = end - timedelta(minutes=MINUTES)
    seed = f"{scenario.seed}:{scenario.name}:{end.isoformat()}"
    qps = qps_series(scenario, start, random.Random(seed + ":traffic"))
    return build_day(scenario, start, qps, {}, seed=_seed(seed + ":minutes"))


def configuration(scenario: Scenario, names: MetricNames = NAMES) -> ServiceInputs:
    """What the describe calls would return for the scenario's resources."""
    fn = LambdaInputs(
        name=names.function_name,
        memory_mb=scenario.memory_mb,
        alias=names.alias,
        alias_version="$LATEST" if scenario.alias_on_latest else "1",
        architecture=scenario.architecture,
        timeout_s=scenario.timeout_s,
        code_size_bytes=4_200_000,
        reserved_concurrency=scenario.reserved_concurrency,
        provisioned_units=scenario.provisioned_concurrency or None,
    )
    api = ApiInputs(
        name=names.api_name,
        stage=names.stage,
        rest_api_id="offline",
        cache_enabled=scenario.cache_enabled,
        cache_size_gb=scenario.cache_cluster_size if scenario.cache_enabled else None,
        cache_ttl_s=scenario.cache_ttl_s,
        throttle_rate=scenario.throttle_rate_limit,
        throttle_burst=scenario.throttle_burst_limit,
    )
    table = TableInputs(
        name=names.table_name,
        billing_mode="PAY_PER_REQUEST" if scenario.table_on_demand else "PROVISIONED",
        read_units=0 if scenario.table_on_demand else scenario.provisioned_rcu,
        write_units=0 if scenario.table_on_demand else scenario.provisioned_wcu,
        latency_operations=OPERATIONS,
        contributor_insights="ENABLED" if scenario.contributor_insights else "DISABLED",
        hot_keys=top_keys(scenario) if scenario.contributor_insights else (),
        hot_keys_of="accessed" if scenario.contributor_insights else "",
    )
    breaker = BreakerInputs(
        key=SERVICE,
        failure_threshold=scenario.breaker_failure_threshold,
        open_timeout_s=scenario.breaker_open_timeout_s,
        half_open_success_threshold=scenario.breaker_half_open_successes,
        stored=True,
    )
    return ServiceInputs(service=SERVICE, lambdas=[fn], api=api, tables=[table], breaker=breaker)


Key = tuple[str, str, frozenset[tuple[str, str]]]


def _index(scenario: Scenario, minutes: Iterable[Minute], names: MetricNames) -> dict[Key, list[dict[str, Any]]]:
    index: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for minute in minutes:
        for namespace, entry in minute_metrics(names, scenario, minute):
            dims = frozenset((d["Name"], d["Value"]) for d in entry["Dimensions"])
            index[(namespace, entry["MetricName"], dims)].append(entry)
    return index


def _percentile(values: list[tuple[float, float]], p: float) -> float | None:
    """Nearest rank over (value, count) — the definition the embedded CloudWatch uses."""
    if not values:
        return None  # aggregates only (DynamoDB latency): CloudWatch vends no percentiles
    ordered = sorted(values)
    rank = math.ceil(p / 100 * sum(c for _, c in ordered) - 1e-9)
    seen = 0.0
    for v, c in ordered:
        seen += c
        if seen >= rank:
            return v
    return ordered[-1][0]


def _stats(entries: list[dict[str, Any]], stat: str) -> float | None:
    values: list[tuple[float, float]] = []  # (value, count) for percentiles
    total = count = 0.0
    highest = -math.inf
    for entry in entries:
        if "StatisticValues" in entry:
            s = entry["StatisticValues"]
            total += s["Sum"]
            count += s["SampleCount"]
            highest = max(highest, s["Maximum"])
        elif "Values" in entry:
            for v, c in zip(entry["Values"], entry["Counts"], strict=True):
                values.append((v, c))
                total += v * c
                count += c
                highest = max(highest, v)
        else:
            total += entry["Value"]
            count += 1
            highest = max(highest, entry["Value"])
            values.append((entry["Value"], 1.0))
    if count <= 0:
        return None
    if stat == "Sum":
        return total
    if stat == "SampleCount":
        return count
    if stat == "Average":
        return total / count
    if stat == "Maximum":
        return highest
    if stat.startswith("p"):
        return _percentile(values, float(stat[1:]))
    raise ValueError(f"statistic {stat!r} is not simulated")


def _metric_series(query: MetricQuery, index: dict[Key, list[dict[str, Any]]], start: datetime) -> Series:
    entries = index.get((query.namespace, query.metric, frozenset(query.dimensions)), [])
    buckets: dict[datetime, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        offset = int((entry["Timestamp"] - start).total_seconds()) // query.period * query.period
        buckets[start + timedelta(seconds=offset)].append(entry)
    points = [(at, value) for at in sorted(buckets) if (value := _stats(buckets[at], query.stat)) is not None]
    return Series(query.id, query.label or query.metric, [p[0] for p in points], [p[1] for p in points])


def answer(queries: list[MetricQuery], index: dict[Key, list[dict[str, Any]]], start: datetime) -> dict[str, Series]:
    """GetMetricData over the simulated datums: metrics first, then ``MAX([...])`` expressions over them."""
    series = {q.id: _metric_series(q, index, start) for q in queries if not q.expression}
    for q in queries:
        if not q.expression:
            continue
        ids = [part.strip() for part in q.expression.removeprefix("MAX([").removesuffix("])").split(",")]
        merged: dict[datetime, float] = {}
        for part in ids:
            for at, value in zip(series[part].timestamps, series[part].values, strict=True):
                merged[at] = max(merged.get(at, -math.inf), value)
        series[q.id] = Series(q.id, q.label, sorted(merged), [merged[at] for at in sorted(merged)])
    return {q.id: series[q.id] for q in queries if q.return_data}


def simulated_inputs(
    scenario: Scenario, end: datetime | None = None, minutes: list[Minute] | None = None
) -> ServiceInputs:
    """The analysis inputs of the scenario's day, as :func:`bot.analysis.gather.gather` would build them."""
    end = end or datetime.now(UTC).replace(second=0, microsecond=0)
    minutes = minutes if minutes is not None else simulated_minutes(scenario, end)
    inputs = configuration(scenario)
    start = end - timedelta(minutes=MINUTES)
    plan = MetricPlan.for_inputs(inputs, [("GET", NAMES.resource_path)])
    inputs = plan.apply(inputs, answer(plan.queries, _index(scenario, minutes, NAMES), start))
    return replace(inputs, usage=simulated_usage(scenario, minutes, start))


def simulated_usage(scenario: Scenario, minutes: list[Minute], start: datetime) -> UsagePattern | None:
    """The usage pattern the scenario's ``usage_days`` of hourly API Count would give (None for a single day)."""
    if scenario.usage_days <= 1:
        return None
    hourly: dict[datetime, float] = defaultdict(float)
    for hour in history_hours(minutes, start, scenario.usage_days, _seed(f"{scenario.name}:history")):
        hourly[hour.at.replace(minute=0)] += hour.requests
    for m in minutes:
        hourly[m.at.replace(minute=0)] += m.requests
    stamps = sorted(hourly)
    return usage_pattern(stamps, [hourly[t] for t in stamps], "API Gateway Count")
