"""CloudWatch metrics of the simulated day, shaped the way each AWS service publishes them.

Counters are statistic sets over requests (``Count``: SampleCount = Sum = requests; ``5XXError``: Sum = errors, so
its Average is the error rate, as in AWS); latencies are ``Values``/``Counts`` distributions so ``p95`` works.
Publishing batches stay inside PutMetricData's limits (≤ 1000 datums and ≤ 1 MB a call) and run in parallel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from devstack.simulator.distribution import Distribution
from devstack.simulator.scenarios import Scenario
from devstack.simulator.traffic import Minute

MAX_DATUMS_PER_CALL = 1000
MAX_BYTES_PER_CALL = 800_000  # margin under the 1 MB request limit for the encoding overhead
PUBLISH_THREADS = 4

Dimensions = list[dict[str, str]]


@dataclass(frozen=True)
class MetricNames:
    """The monitored service's resource names, as they appear in metric dimensions."""

    api_name: str
    stage: str
    function_name: str
    alias: str
    table_name: str
    environment: str
    resource_path: str = "/metrics"


def dims(**pairs: str) -> Dimensions:
    return [{"Name": name, "Value": value} for name, value in pairs.items()]


def count(n: float) -> dict[str, Any]:
    """Every event publishes 1: SampleCount = Sum = n (a zero minute publishes a plain 0)."""
    if n <= 0:
        return {"Value": 0.0}
    return {"StatisticValues": {"SampleCount": float(n), "Sum": float(n), "Minimum": 1.0, "Maximum": 1.0}}


def rate(events: int, total: int) -> dict[str, Any]:
    """Every request publishes 0 or 1, so Sum counts the events and Average is their rate."""
    if total <= 0:
        return {"Value": 0.0}
    stats = {
        "SampleCount": float(total),
        "Sum": float(events),
        "Minimum": 1.0 if events >= total else 0.0,
        "Maximum": 1.0 if events > 0 else 0.0,
    }
    return {"StatisticValues": stats}


def per_request(requests: int, units: float, units_each: float) -> dict[str, Any]:
    """DynamoDB's Consumed*CapacityUnits: per-request statistics, Sum = units consumed in the minute."""
    if requests <= 0:
        return {"Value": 0.0}
    stats = {"SampleCount": float(requests), "Sum": units, "Minimum": units_each, "Maximum": units_each}
    return {"StatisticValues": stats}


def minute_metrics(names: MetricNames, scenario: Scenario, m: Minute) -> Iterator[tuple[str, dict[str, Any]]]:
    """(namespace, MetricData entry) pairs of one minute."""

    def put(
        namespace: str, metric: str, dimensions: Dimensions, unit: str, payload: dict[str, Any] | None
    ) -> tuple[str, dict[str, Any]] | None:
        if payload is None:
            return None
        entry = {"MetricName": metric, "Dimensions": dimensions, "Timestamp": m.at, "Unit": unit, **payload}
        return namespace, entry

    def dist(d: Distribution | None) -> dict[str, Any] | None:
        return d.datum() if d else None

    def aggregate(d: Distribution | None) -> dict[str, Any] | None:
        return d.statistic_set() if d else None

    n = names
    api, api_dims = "AWS/ApiGateway", dims(ApiName=n.api_name)
    entries = [
        put(api, "Count", api_dims, "Count", count(m.requests)),
        put(api, "4XXError", api_dims, "Count", rate(m.errors_4xx, m.requests)),
        put(api, "5XXError", api_dims, "Count", rate(m.errors_5xx, m.requests)),
        put(api, "Latency", api_dims, "Milliseconds", dist(m.latency)),
        put(api, "IntegrationLatency", api_dims, "Milliseconds", dist(m.integration_latency)),
    ]
    if scenario.cache_enabled:
        served_gets = m.gets - round(m.api_throttled * scenario.get_share)
        stage_dims = dims(ApiName=n.api_name, Stage=n.stage)
        entries += [
            put(api, "CacheHitCount", stage_dims, "Count", rate(m.cache_hits, served_gets)),
            put(api, "CacheMissCount", stage_dims, "Count", rate(served_gets - m.cache_hits, served_gets)),
        ]
    for method, requests in (("GET", m.gets), ("POST", m.posts)):
        method_dims = dims(ApiName=n.api_name, Method=method, Resource=n.resource_path, Stage=n.stage)
        entries.append(put(api, "Count", method_dims, "Count", count(requests)))

    fn, insights = dims(FunctionName=n.function_name), "LambdaInsights"
    entries += [
        put("AWS/Lambda", "Invocations", fn, "Count", count(m.invocations)),
        put("AWS/Lambda", "Errors", fn, "Count", rate(m.lambda_errors, m.invocations)),
        put("AWS/Lambda", "Throttles", fn, "Count", count(m.lambda_throttles)),
        put("AWS/Lambda", "Duration", fn, "Milliseconds", dist(m.duration)),
        put("AWS/Lambda", "ConcurrentExecutions", fn, "Count", {"Value": float(m.concurrency)}),
    ]
    if m.provisioned_utilization is not None:
        alias_dims = dims(FunctionName=n.function_name, Resource=f"{n.function_name}:{n.alias}")
        utilization = {"Value": m.provisioned_utilization}
        entries.append(put("AWS/Lambda", "ProvisionedConcurrencyUtilization", alias_dims, "None", utilization))
    fi = dims(function_name=n.function_name)
    utilisation = None
    if m.memory_used:
        percents = [round(v / scenario.memory_mb * 100, 2) for v in m.memory_used.values]
        utilisation = Distribution(tuple(percents), m.memory_used.counts).datum()
    if not scenario.insights:  # no Lambda Insights extension: none of its metrics exist
        utilisation = None
        m = replace(m, init_duration=None, memory_used=None)
    cpu = None
    if scenario.insights and m.invocations:
        cpu = per_request(m.invocations, round(m.cpu_ms * m.invocations, 1), round(m.cpu_ms, 1))
    entries += [
        put(insights, "cpu_total_time", fi, "Milliseconds", cpu),
        put(insights, "init_duration", fi, "Milliseconds", dist(m.init_duration)),
    ]
    if scenario.insights:
        entries += [
            put(insights, "cold_start", fi, "Count", rate(m.cold_starts, m.invocations)),
            put(insights, "used_memory_max", fi, "Megabytes", dist(m.memory_used)),
            put(insights, "memory_utilization", fi, "Percent", utilisation),
            put(insights, "total_memory", fi, "Megabytes", {"Value": float(scenario.memory_mb)}),
        ]

    ddb, table, ms = "AWS/DynamoDB", dims(TableName=n.table_name), "Milliseconds"
    query, put_item = dims(TableName=n.table_name, Operation="Query"), dims(TableName=n.table_name, Operation="PutItem")
    reads = per_request(m.queries, m.read_units, scenario.read_units_per_get)
    writes = per_request(m.puts, m.write_units, scenario.write_units_per_post)
    # DynamoDB vends SuccessfulRequestLatency per TableName + Operation, as Min/Max/Sum/Average/SampleCount only:
    # no table-wide series and no percentiles, so the simulator publishes exactly that.
    entries += [
        put(ddb, "SuccessfulRequestLatency", query, ms, aggregate(m.query_latency)),
        put(ddb, "SuccessfulRequestLatency", put_item, ms, aggregate(m.put_latency)),
        put(ddb, "ConsumedReadCapacityUnits", table, "Count", reads),
        put(ddb, "ConsumedWriteCapacityUnits", table, "Count", writes),
        put(ddb, "ReadThrottleEvents", table, "Count", {"Value": float(m.read_throttles)}),
        put(ddb, "WriteThrottleEvents", table, "Count", {"Value": float(m.write_throttles)}),
    ]
    env = dims(Environment=n.environment)
    if m.at.minute % 5 == 0:  # gauges AWS (and the service's own job) publish every five minutes
        entries += [
            put(ddb, "ProvisionedReadCapacityUnits", table, "Count", {"Value": float(scenario.provisioned_rcu)}),
            put(ddb, "ProvisionedWriteCapacityUnits", table, "Count", {"Value": float(scenario.provisioned_wcu)}),
            put("MonitoringApp/Operations", "MaintenanceMode", env, "None", {"Value": 0.0}),
        ]

    perf = "MonitoringApp/Performance"
    entries += [
        put(perf, "E2ELatency", dims(Environment=n.environment, Component="API"), ms, dist(m.e2e_latency)),
        put(perf, "CircuitBreakerEfficiency", env, "Percent", {"Value": m.breaker_efficiency}),
        put(perf, "CacheHitRate", [], "Percent", {"Value": m.cache_hit_rate}),
    ]
    yield from (e for e in entries if e is not None)


def entry_size(entry: dict[str, Any]) -> int:
    """A generous estimate of an entry's encoded size (cheaper than encoding it)."""
    size = 160 + len(entry["MetricName"])
    size += sum(40 + len(d["Name"]) + len(d["Value"]) for d in entry["Dimensions"])
    return size + 24 * (len(entry.get("Values", ())) + len(entry.get("Counts", ())))


def batches(entries: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        entry_bytes = entry_size(entry)
        if batch and (len(batch) >= MAX_DATUMS_PER_CALL or size + entry_bytes > MAX_BYTES_PER_CALL):
            yield batch
            batch, size = [], 0
        batch.append(entry)
        size += entry_bytes
    if batch:
        yield batch


@dataclass(frozen=True)
class PublishResult:
    minutes: int
    datums: int
    calls: int
    by_namespace: dict[str, int]


def publish(cloudwatch: Any, names: MetricNames, scenario: Scenario, minutes: list[Minute]) -> PublishResult:
    """Write every minute's metrics; one PutMetricData call per batch of one namespace."""
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for minute in minutes:
        for namespace, entry in minute_metrics(names, scenario, minute):
            by_namespace.setdefault(namespace, []).append(entry)
    calls = [(ns, batch) for ns, entries in by_namespace.items() for batch in batches(entries)]
    with ThreadPoolExecutor(max_workers=PUBLISH_THREADS, thread_name_prefix="simulate-metrics") as pool:
        list(pool.map(lambda call: cloudwatch.put_metric_data(Namespace=call[0], MetricData=call[1]), calls))
    counts = {ns: len(entries) for ns, entries in sorted(by_namespace.items())}
    return PublishResult(minutes=len(minutes), datums=sum(counts.values()), calls=len(calls), by_namespace=counts)


FORGET_PATH = "/_devstack/cloudwatch/forget-metrics"  # devstack/aws/cloudwatch/metrics.py


def simulated_series(n: MetricNames) -> list[dict[str, Any]]:
    """Every series ``minute_metrics`` can write, as ListMetrics-style selectors: AWS's namespaces narrowed to the
    service's API, function and table; the service's own namespaces whole."""
    return [
        {"Namespace": "AWS/ApiGateway", "Dimensions": dims(ApiName=n.api_name)},
        {"Namespace": "AWS/Lambda", "Dimensions": dims(FunctionName=n.function_name)},
        {"Namespace": "LambdaInsights", "Dimensions": dims(function_name=n.function_name)},
        {"Namespace": "AWS/DynamoDB", "Dimensions": dims(TableName=n.table_name)},
        {"Namespace": "MonitoringApp/Operations", "Dimensions": []},
        {"Namespace": "MonitoringApp/Performance", "Dimensions": []},
    ]


def forget_simulated(cloudwatch: Any, names: MetricNames) -> bool:
    """Drop an earlier simulation's metrics so this one replaces them; ``False`` where that is impossible.

    CloudWatch cannot delete datapoints; the devstack's embedded AWS can (``/_devstack/cloudwatch/forget-metrics``).
    Anywhere else (a real account, an endpoint without that path) nothing is dropped."""
    endpoint = str(cloudwatch.meta.endpoint_url).rstrip("/")
    if not endpoint.startswith("http://"):  # the devstack is plain HTTP on loopback; AWS is HTTPS
        return False
    body = json.dumps({"series": simulated_series(names)}).encode()
    request = Request(endpoint + FORGET_PATH, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urlopen(request, timeout=30) as answer:  # noqa: S310 — an http:// endpoint, checked above
            return bool(answer.status == 200)
    except (HTTPError, URLError):
        return False


def published_until(cloudwatch: Any, names: MetricNames, start: datetime, end: datetime) -> datetime | None:
    """The latest minute of [start, end) that already has API Count data, so a re-run does not double-count.

    CloudWatch cannot delete datapoints and sums whatever is put twice; writing only the minutes after this one
    keeps re-running ``simulate`` idempotent (the same ``now`` writes nothing new) where ``forget_simulated`` cannot
    drop the earlier run's metrics (on AWS itself).
    """
    answer = cloudwatch.get_metric_statistics(
        Namespace="AWS/ApiGateway",
        MetricName="Count",
        Dimensions=dims(ApiName=names.api_name),
        StartTime=start,
        EndTime=end,
        Period=60,
        Statistics=["SampleCount"],
    )
    stamps = [point["Timestamp"] for point in answer.get("Datapoints", [])]
    return max(stamps) if stamps else None


def last_window_p95(minutes: list[Minute], attribute: str, window: int = 5) -> float | None:
    """p95 of a latency over the last ``window`` minutes — what a 5-minute p95 alarm evaluates."""
    merged = Distribution.merge(getattr(m, attribute) for m in minutes[-window:])
    return merged.percentile(95) if merged else None


def last_window_average(minutes: list[Minute], attribute: str, window: int = 5) -> float | None:
    """Average of a latency over the last ``window`` minutes — what an Average alarm (DynamoDB's) evaluates."""
    merged = Distribution.merge(getattr(m, attribute) for m in minutes[-window:])
    if not merged:
        return None
    return sum(v * c for v, c in zip(merged.values, merged.counts, strict=True)) / merged.total
