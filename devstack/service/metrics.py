"""The CloudWatch metrics API Gateway, Lambda and DynamoDB publish for the requests the service really served.

Every request is recorded as it is served; a background thread flushes what was recorded per minute every FLUSH_S
with batched PutMetricData (one call per namespace and batch), in the simulator's shapes and dimensions: counters as
statistic sets, latencies as Values/Counts so percentiles work, DynamoDB latency per operation as AWS vends it.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from devstack.simulator.metrics import MetricNames, batches, count, dims, per_request, rate

log = logging.getLogger(__name__)
FLUSH_S = 5.0
MAX_VALUES = 150  # PutMetricData: at most 150 distinct values per datum


@dataclass
class Minute:
    """What one minute of service recorded (a flush publishes and clears it)."""

    requests: int = 0
    by_method: Counter[str] = field(default_factory=Counter)
    errors_4xx: int = 0
    errors_5xx: int = 0
    latency: list[float] = field(default_factory=list)
    integration_latency: list[float] = field(default_factory=list)
    cache_hits: int = 0
    cache_misses: int = 0
    invocations: int = 0
    lambda_errors: int = 0
    duration: list[float] = field(default_factory=list)
    cold_starts: int = 0
    max_concurrency: int = 0
    dynamodb_latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    read_units: float = 0.0
    write_units: float = 0.0
    reads: int = 0
    writes: int = 0
    read_throttles: int = 0
    write_throttles: int = 0


def values_counts(samples: list[float]) -> dict[str, list[float]]:
    """Samples as PutMetricData Values/Counts: rounded coarser until at most MAX_VALUES distinct values remain."""
    step = 0.1
    while True:
        counted = Counter(round(round(v / step) * step, 3) for v in samples)
        if len(counted) <= MAX_VALUES:
            values = sorted(counted)
            return {"Values": values, "Counts": [float(counted[v]) for v in values]}
        step *= 2


class MetricsRecorder:
    def __init__(self, cloudwatch: Any, names: MetricNames, *, cache_enabled: bool = False) -> None:
        self._cloudwatch = cloudwatch
        self.names = names
        self.cache_enabled = cache_enabled
        self._minutes: dict[datetime, Minute] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="service-metrics", daemon=True)
        self.datums_published = 0
        self.calls = 0

    def minute(self) -> Minute:
        """The current minute's record; call with the lock held (``with recorder.lock:``)."""
        at = datetime.now(UTC).replace(second=0, microsecond=0)
        return self._minutes.setdefault(at, Minute())

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.flush()

    def flush(self) -> int:
        """Publish and forget everything recorded so far; returns the number of datums written."""
        with self._lock:
            minutes, self._minutes = self._minutes, {}
        by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for at, m in sorted(minutes.items()):
            for namespace, entry in self._entries(at, m):
                by_namespace[namespace].append(entry)
        written = 0
        for namespace, entries in by_namespace.items():
            for batch in batches(entries):
                self._cloudwatch.put_metric_data(Namespace=namespace, MetricData=batch)
                self.calls += 1
                written += len(batch)
        self.datums_published += written
        return written

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_S):
            try:
                self.flush()
            except Exception as exc:  # a failed flush must not stop the service
                log.warning("publishing the service's metrics failed: %s", exc)

    def _entries(self, at: datetime, m: Minute) -> list[tuple[str, dict[str, Any]]]:
        n = self.names
        out: list[tuple[str, dict[str, Any]]] = []

        def put(namespace: str, metric: str, dimensions: list[dict[str, str]], unit: str, payload: Any) -> None:
            out.append((namespace, {"MetricName": metric, "Dimensions": dimensions, "Timestamp": at, "Unit": unit}))
            out[-1][1].update(payload)

        api, api_dims, ms = "AWS/ApiGateway", dims(ApiName=n.api_name), "Milliseconds"
        put(api, "Count", api_dims, "Count", count(m.requests))
        put(api, "4XXError", api_dims, "Count", rate(m.errors_4xx, m.requests))
        put(api, "5XXError", api_dims, "Count", rate(m.errors_5xx, m.requests))
        if m.latency:
            put(api, "Latency", api_dims, ms, values_counts(m.latency))
        if m.integration_latency:
            put(api, "IntegrationLatency", api_dims, ms, values_counts(m.integration_latency))
        for method, requests in m.by_method.items():
            method_dims = dims(ApiName=n.api_name, Method=method, Resource=n.resource_path, Stage=n.stage)
            put(api, "Count", method_dims, "Count", count(requests))
        if self.cache_enabled:
            stage_dims = dims(ApiName=n.api_name, Stage=n.stage)
            lookups = m.cache_hits + m.cache_misses
            put(api, "CacheHitCount", stage_dims, "Count", rate(m.cache_hits, lookups))
            put(api, "CacheMissCount", stage_dims, "Count", rate(m.cache_misses, lookups))

        fn = dims(FunctionName=n.function_name)
        put("AWS/Lambda", "Invocations", fn, "Count", count(m.invocations))
        put("AWS/Lambda", "Errors", fn, "Count", rate(m.lambda_errors, m.invocations))
        put("AWS/Lambda", "Throttles", fn, "Count", {"Value": 0.0})  # no reserved concurrency: nothing throttles
        if m.duration:
            put("AWS/Lambda", "Duration", fn, ms, values_counts(m.duration))
        put("AWS/Lambda", "ConcurrentExecutions", fn, "Count", {"Value": float(m.max_concurrency)})
        put(
            "LambdaInsights",
            "cold_start",
            dims(function_name=n.function_name),
            "Count",
            rate(m.cold_starts, m.invocations),
        )

        ddb, table = "AWS/DynamoDB", dims(TableName=n.table_name)
        for operation, samples in m.dynamodb_latency.items():
            if samples:
                stats = {
                    "SampleCount": float(len(samples)),
                    "Sum": sum(samples),
                    "Minimum": min(samples),
                    "Maximum": max(samples),
                }
                put(
                    ddb,
                    "SuccessfulRequestLatency",
                    dims(TableName=n.table_name, Operation=operation),
                    ms,
                    {"StatisticValues": stats},
                )
        put(ddb, "ConsumedReadCapacityUnits", table, "Count", per_request(m.reads, m.read_units, 0.5))
        put(ddb, "ConsumedWriteCapacityUnits", table, "Count", per_request(m.writes, m.write_units, 1.0))
        put(ddb, "ReadThrottleEvents", table, "Count", {"Value": float(m.read_throttles)})
        put(ddb, "WriteThrottleEvents", table, "Count", {"Value": float(m.write_throttles)})
        return out
