"""The metric queries one service's analysis needs (all in ONE GetMetricData call) and how they fill the inputs.

Percentiles come from CloudWatch's ``p95`` statistic per hour: the latest hour is "now", the median of the hours is
the baseline. Counts are summed; capacity is per second over 5-minute periods; rates per second over 1 minute.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace

from bot.analysis.inputs import ApiInputs, LambdaInputs, ServiceInputs, TableInputs
from bot.aws.cloudwatch import MetricQuery, Series

HOUR = 3600
FIVE_MIN = 300
MINUTE = 60

LAMBDA_METRICS = {  # suffix: (namespace, metric, stat, period)
    "inv": ("AWS/Lambda", "Invocations", "Sum", HOUR),
    "dsum": ("AWS/Lambda", "Duration", "Sum", HOUR),
    "dp95": ("AWS/Lambda", "Duration", "p95", HOUR),
    "thr": ("AWS/Lambda", "Throttles", "Sum", HOUR),
    "conc": ("AWS/Lambda", "ConcurrentExecutions", "Maximum", FIVE_MIN),
    "mem": ("LambdaInsights", "memory_utilization", "Maximum", HOUR),
    "used": ("LambdaInsights", "used_memory_max", "Maximum", HOUR),
    "cpu": ("LambdaInsights", "cpu_total_time", "Average", HOUR),
    "initn": ("LambdaInsights", "init_duration", "SampleCount", HOUR),
    "initp95": ("LambdaInsights", "init_duration", "p95", HOUR),
}
API_METRICS = {
    "cnt": ("Count", "Sum", MINUTE),
    "e4": ("4XXError", "Sum", HOUR),
    "e5": ("5XXError", "Sum", HOUR),
    "lat": ("Latency", "p95", HOUR),
    "ilat": ("IntegrationLatency", "p95", HOUR),
}
TABLE_METRICS = {
    "rcu": ("ConsumedReadCapacityUnits", "Sum", FIVE_MIN),
    "wcu": ("ConsumedWriteCapacityUnits", "Sum", FIVE_MIN),
    "rthr": ("ReadThrottleEvents", "Sum", HOUR),
    "wthr": ("WriteThrottleEvents", "Sum", HOUR),
    "lavg": ("SuccessfulRequestLatency", "Average", HOUR),  # DynamoDB vends no percentiles of its latency
}


def _values(series: dict[str, Series], query_id: str) -> list[float]:
    found = series.get(query_id)
    return list(found.values) if found else []


def _sum(values: list[float]) -> float | None:
    return sum(values) if values else None


def _last(values: list[float]) -> float | None:
    return values[-1] if values else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]


def _slowest_operation(qid: str, table: str, operations: tuple[str, ...], period: int) -> list[MetricQuery]:
    """SuccessfulRequestLatency exists per TableName + Operation only: the slowest operation's average, per hour."""
    parts = [
        MetricQuery(
            f"{qid}_{n}",
            "AWS/DynamoDB",
            "SuccessfulRequestLatency",
            (("TableName", table), ("Operation", operation)),
            "Average",
            period,
            return_data=False,
        )
        for n, operation in enumerate(operations)
    ]
    ids = ", ".join(p.id for p in parts)
    return [*parts, MetricQuery(qid, expression=f"MAX([{ids}])", period=period, label=f"{table} slowest operation")]


@dataclass
class MetricPlan:
    queries: list[MetricQuery] = field(default_factory=list)
    get_ids: list[str] = field(default_factory=list)

    @classmethod
    def for_inputs(cls, inputs: ServiceInputs, get_methods: list[tuple[str, str]]) -> MetricPlan:
        plan = cls()
        for i, fn in enumerate(inputs.lambdas):
            for suffix, (namespace, metric, stat, period) in LAMBDA_METRICS.items():
                dim = "function_name" if namespace == "LambdaInsights" else "FunctionName"
                plan.queries.append(MetricQuery(f"l{i}_{suffix}", namespace, metric, ((dim, fn.name),), stat, period))
        if inputs.api is not None:
            api_dims = (("ApiName", inputs.api.name),)
            stage_dims = (*api_dims, ("Stage", inputs.api.stage))
            for suffix, (metric, stat, period) in API_METRICS.items():
                plan.queries.append(MetricQuery(f"a_{suffix}", "AWS/ApiGateway", metric, api_dims, stat, period))
            for suffix, metric in (("hit", "CacheHitCount"), ("miss", "CacheMissCount")):
                plan.queries.append(MetricQuery(f"a_{suffix}", "AWS/ApiGateway", metric, stage_dims, "Sum", HOUR))
            for j, (method, path) in enumerate(get_methods):
                method_dims = (*api_dims, ("Method", method), ("Resource", path), ("Stage", inputs.api.stage))
                plan.get_ids.append(f"a_get{j}")
                plan.queries.append(MetricQuery(f"a_get{j}", "AWS/ApiGateway", "Count", method_dims, "Sum", HOUR))
        for k, table in enumerate(inputs.tables):
            dims = (("TableName", table.name),)
            for suffix, (metric, stat, period) in TABLE_METRICS.items():
                if suffix == "lavg" and table.latency_operations:
                    plan.queries += _slowest_operation(f"d{k}_{suffix}", table.name, table.latency_operations, period)
                    continue
                plan.queries.append(MetricQuery(f"d{k}_{suffix}", "AWS/DynamoDB", metric, dims, stat, period))
        return plan

    def apply(self, inputs: ServiceInputs, series: dict[str, Series]) -> ServiceInputs:
        incomplete = sorted(q.id for q in self.queries if q.id in series and not series[q.id].complete)
        notes = list(inputs.notes)
        if incomplete:
            notes.append(f"CloudWatch returned partial data for {len(incomplete)} metric(s)")
        latencies = [v for k in range(len(inputs.tables)) if (v := _values(series, f"d{k}_lavg"))]
        waits = (sum(v[-1] for v in latencies), sum(statistics.fmean(v) for v in latencies)) if latencies else None
        return replace(
            inputs,
            lambdas=[self._lambda(fn, i, series, waits) for i, fn in enumerate(inputs.lambdas)],
            api=self._api(inputs.api, series) if inputs.api is not None else None,
            tables=[self._table(t, k, series) for k, t in enumerate(inputs.tables)],
            notes=notes,
        )

    @staticmethod
    def _lambda(fn: LambdaInputs, i: int, series: dict[str, Series], waits: tuple[float, float] | None) -> LambdaInputs:
        def v(suffix: str) -> list[float]:
            return _values(series, f"l{i}_{suffix}")

        invocations = sum(v("inv"))
        p95s = v("dp95")
        hourly = dict(zip(series[f"l{i}_inv"].timestamps, v("inv"), strict=True)) if f"l{i}_inv" in series else {}
        recent = None
        if f"l{i}_dsum" in series and series[f"l{i}_dsum"].timestamps:
            last_at, last_sum = series[f"l{i}_dsum"].timestamps[-1], v("dsum")[-1]
            recent = last_sum / hourly[last_at] if hourly.get(last_at) else None
        return replace(
            fn,
            invocations=invocations,
            duration_p95_ms=_last(p95s),
            duration_p95_baseline_ms=_median(p95s),
            duration_avg_ms=sum(v("dsum")) / invocations if invocations and v("dsum") else None,
            recent_duration_avg_ms=recent,
            throttles=sum(v("thr")),
            concurrency_max=max(v("conc")) if v("conc") else None,
            concurrency_p90=_p90(v("conc")),
            memory_utilization_max_pct=max(v("mem")) if v("mem") else None,
            memory_used_max_mb=max(v("used")) if v("used") else None,
            cpu_time_avg_ms=_last(v("cpu")),
            downstream_avg_ms=waits[0] if waits else None,
            downstream_typical_ms=waits[1] if waits else None,
            cold_starts=_sum(v("initn")),
            init_duration_p95_ms=_median(v("initp95")),
        )

    def _api(self, api: ApiInputs, series: dict[str, Series]) -> ApiInputs:
        per_minute = _values(series, "a_cnt")
        gets = [value for query_id in self.get_ids for value in _values(series, query_id)]
        latency = _values(series, "a_lat")
        return replace(
            api,
            requests=sum(per_minute),
            errors_4xx=sum(_values(series, "a_e4")),
            errors_5xx=sum(_values(series, "a_e5")),
            latency_p95_ms=_last(latency),
            latency_p95_baseline_ms=_median(latency),
            integration_latency_p95_ms=_last(_values(series, "a_ilat")),
            get_requests=_sum(gets),
            cache_hits=_sum(_values(series, "a_hit")),
            cache_misses=_sum(_values(series, "a_miss")),
            peak_rps=max(per_minute) / MINUTE if per_minute else None,
            median_rps=statistics.median(per_minute) / MINUTE if per_minute else None,
        )

    @staticmethod
    def _table(table: TableInputs, k: int, series: dict[str, Series]) -> TableInputs:
        reads = [value / FIVE_MIN for value in _values(series, f"d{k}_rcu")]
        writes = [value / FIVE_MIN for value in _values(series, f"d{k}_wcu")]
        return replace(
            table,
            consumed_read_peak=max(reads) if reads else None,
            consumed_read_avg=statistics.fmean(reads) if reads else None,
            consumed_write_peak=max(writes) if writes else None,
            consumed_write_avg=statistics.fmean(writes) if writes else None,
            read_throttles=sum(_values(series, f"d{k}_rthr")),
            write_throttles=sum(_values(series, f"d{k}_wthr")),
            latency_avg_ms=_last(_values(series, f"d{k}_lavg")),
        )
