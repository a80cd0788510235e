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
    "initavg": ("LambdaInsights", "init_duration", "Average", HOUR),
}
API_METRICS = {
    "cnt": ("Count", "Sum", MINUTE),
    "e4": ("4XXError", "Sum", MINUTE),  # per minute: 429s show as extra 4XX in the minutes at the stage limit
    "e5": ("5XXError", "Sum", HOUR),
    "lat": ("Latency", "p95", HOUR),
    "lat50": ("Latency", "p50", HOUR),
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


BUSY_HOUR_SHARE = 0.5  # an hour with at least half the busiest hour's invocations is a busy hour
AT_LIMIT = 0.8  # a minute whose traffic reaches 80 % of the stage rate limit can be throttled


def _busy_concurrency(series: dict[str, Series], i: int) -> list[float]:
    """The 5-minute concurrency maxima that fall in busy hours (by invocations)."""
    inv, conc = series.get(f"l{i}_inv"), series.get(f"l{i}_conc")
    if inv is None or conc is None or not inv.values:
        return []
    top = max(inv.values)
    busy = {
        at.replace(minute=0, second=0, microsecond=0)
        for at, n in zip(inv.timestamps, inv.values, strict=True)
        if top > 0 and n >= top * BUSY_HOUR_SHARE
    }
    return [
        v
        for at, v in zip(conc.timestamps, conc.values, strict=True)
        if at.replace(minute=0, second=0, microsecond=0) in busy
    ]


def _stage_throttled(api: ApiInputs, series: dict[str, Series]) -> tuple[float, int]:
    """4XX beyond the usual 4XX rate, in the minutes whose traffic reached the stage limit (API Gateway counts its
    429s in 4XXError and publishes no separate metric), and how many such minutes there were."""
    counts, errors = series.get("a_cnt"), series.get("a_e4")
    if api.throttle_rate is None or counts is None or errors is None:
        return 0.0, 0
    by_minute = dict(zip(errors.timestamps, errors.values, strict=True))
    at_limit: list[tuple[float, float]] = []
    calm: list[tuple[float, float]] = []
    for at, n in zip(counts.timestamps, counts.values, strict=True):
        (at_limit if n / MINUTE >= api.throttle_rate * AT_LIMIT else calm).append((n, by_minute.get(at, 0.0)))
    usual = sum(e for _, e in calm) / sum(n for n, _ in calm) if sum(n for n, _ in calm) > 0 else 0.0
    return sum(max(0.0, e - usual * n) for n, e in at_limit), len(at_limit)


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
            concurrency_busy_p90=_p90(_busy_concurrency(series, i)),
            concurrency_5min=tuple(v("conc")),
            memory_utilization_max_pct=max(v("mem")) if v("mem") else None,
            memory_used_max_mb=max(v("used")) if v("used") else None,
            cpu_time_avg_ms=statistics.fmean(v("cpu")) if v("cpu") else None,
            downstream_avg_ms=waits[0] if waits else None,
            downstream_typical_ms=waits[1] if waits else None,
            cold_starts=_sum(v("initn")),
            init_duration_p95_ms=_median(v("initp95")),
            init_duration_avg_ms=_median(v("initavg")),
        )

    def _api(self, api: ApiInputs, series: dict[str, Series]) -> ApiInputs:
        per_minute = _values(series, "a_cnt")
        gets = [value for query_id in self.get_ids for value in _values(series, query_id)]
        latency = _values(series, "a_lat")
        throttled, at_limit = _stage_throttled(api, series)
        return replace(
            api,
            stage_throttled=throttled,
            minutes_at_limit=at_limit,
            latency_p50_ms=_median(_values(series, "a_lat50")),
            integration_latency_p95_baseline_ms=_median(_values(series, "a_ilat")),
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
            latency_avg_typical_ms=_median(_values(series, f"d{k}_lavg")),
        )
