"""`/perf sla`: every service's SLOs, error budget and burn rates from ONE GetMetricData call.

GetMetricData has a single StartTime/EndTime per call, yet the report needs the report window, 1 h and 6 h burn
windows and the 30-day budget. How one call serves them all, exactly:

* ``end`` is now rounded down to 5 minutes; ``start = end − span`` with ``span = W × ceil(30 d / W)`` for report
  window W (30 d for 1h/24h/30d, 35 d for 7d): a whole number of report windows and at least the budget window.
* CloudWatch starts the period buckets at StartTime, so for every period dividing the span the last bucket is
  exactly ``[end − period, end)``. A 5-minute-aligned start is never re-rounded (CloudWatch rounds StartTimes
  older than 15 days to 5 minutes).
* Counts (Count, 5XXError, 4XXError) are hourly Sums: the last bucket is the 1-h burn window, the last 6 the 6-h
  window, the last W/3600 the report window, the last 720 the budget. Sums add up exactly; a missing bucket is 0.
* Percentiles do not add up, so each p95 (API Gateway Latency, Lambda Duration) has its own query with Period = W,
  and the report reads its last bucket ``[end − W, end)`` — a true window p95. DynamoDB publishes no percentiles of
  SuccessfulRequestLatency, so its row is the window Average per operation (the slowest one), labelled as such.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.analysis.cold_starts import NEEDS_INSIGHTS, ColdStartFacts
from bot.aws.cloudwatch import MAX_QUERIES_PER_CALL, CloudWatchGateway, MetricQuery, Series
from bot.reports.breaker import load_breakers, recovery_measurement
from bot.reports.budget import BUDGET_WINDOW_S, BURN_WINDOWS, budget, burn, multi_window
from bot.reports.common import (
    CLOUDWATCH_SILENT,
    WINDOWS,
    aligned_end,
    mark_below,
    sum_since,
    table_dimensions,
    value_at,
)
from bot.reports.models import Measurement, ServiceSla, SlaReport

if TYPE_CHECKING:
    from bot.breaker import BreakerStatus, BreakerStore
    from bot.settings import Service, Settings, Slo

HOUR = 3600
MAX_DATAPOINTS_PER_CALL = 100_800  # GetMetricData's default MaxDatapoints
COMPONENT_STAT = "p95"  # component targets (API Gateway, Lambda, DynamoDB) are P95s
# DynamoDB vends SuccessfulRequestLatency with Min/Max/Sum/Average/SampleCount only — CloudWatch has no p95 of it —
# so the DynamoDB target is checked against the average of the slowest operation, and the report says so.
DYNAMODB_LATENCY_STAT = "Average"


@dataclass
class ServicePlan:
    service: Service
    slo: Slo
    requests: str = ""
    errors_5xx: str = ""
    errors_4xx: str = ""
    latency: dict[str, str] = field(default_factory=dict)  # stat -> query id
    functions: list[tuple[str, str]] = field(default_factory=list)  # (function, query id)
    cold: list[tuple[str, str]] = field(default_factory=list)  # (function, query id prefix of its cold-start queries)
    tables: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # (table, [(operation, id)])


@dataclass
class SlaPlan:
    window: str
    start: datetime
    end: datetime
    queries: list[MetricQuery]
    services: list[ServicePlan]


def cold_start_queries(prefix: str, function: str, window_s: int) -> list[MetricQuery]:
    """Over the window: invocations (Duration's sample count; the hourly Sums are for counts that add up), Lambda
    Insights' init_duration (one sample per cold start: their count and p95), and used_memory_max's count, which
    says whether Insights reported at all (Insights on and no init sample means no cold start)."""
    lam, insights = (("FunctionName", function),), (("function_name", function),)
    return [
        MetricQuery(f"{prefix}_inv", "AWS/Lambda", "Duration", lam, "SampleCount", window_s),  # = invocations
        MetricQuery(f"{prefix}_n", "LambdaInsights", "init_duration", insights, "SampleCount", window_s),
        MetricQuery(f"{prefix}_p95", "LambdaInsights", "init_duration", insights, "p95", window_s),
        MetricQuery(f"{prefix}_on", "LambdaInsights", "used_memory_max", insights, "SampleCount", window_s),
    ]


def span_for(window_s: int) -> int:
    return window_s * math.ceil(BUDGET_WINDOW_S / window_s)


def plan_sla(settings: Settings, services: list[Service], window: str, now: datetime | None = None) -> SlaPlan:
    """Every query of the report; ids are ``s<i>_…`` so one call can carry all services."""
    window_s = WINDOWS[window]
    end = aligned_end(now)
    start = end - timedelta(seconds=span_for(window_s))
    queries: list[MetricQuery] = []
    plans: list[ServicePlan] = []
    for i, service in enumerate(services):
        plan = ServicePlan(service=service, slo=settings.slo_for(service))
        if service.api:
            dims = (("ApiName", service.api.name),)
            plan.requests, plan.errors_5xx, plan.errors_4xx = f"s{i}_count", f"s{i}_e5", f"s{i}_e4"
            for qid, metric in ((plan.requests, "Count"), (plan.errors_5xx, "5XXError"), (plan.errors_4xx, "4XXError")):
                queries.append(MetricQuery(qid, "AWS/ApiGateway", metric, dims, "Sum", HOUR))
            for n, stat in enumerate(sorted({COMPONENT_STAT, plan.slo.latency_percentile})):
                plan.latency[stat] = f"s{i}_lat{n}"
                queries.append(MetricQuery(f"s{i}_lat{n}", "AWS/ApiGateway", "Latency", dims, stat, window_s))
        for j, fn in enumerate(service.lambda_functions):
            qid = f"s{i}_fn{j}"
            plan.functions.append((fn.name, qid))
            dims = (("FunctionName", fn.name),)
            queries.append(MetricQuery(qid, "AWS/Lambda", "Duration", dims, COMPONENT_STAT, window_s))
            plan.cold.append((fn.name, f"s{i}_cs{j}"))
            queries += cold_start_queries(f"s{i}_cs{j}", fn.name, window_s)
        for k, table in enumerate(service.dynamodb_tables):
            parts = []
            for n, operation in enumerate(table.latency_operations or [""]):
                qid = f"s{i}_tb{k}_{n}"
                parts.append((operation, qid))
                table_dims = table_dimensions(table.name, operation)
                queries.append(
                    MetricQuery(
                        qid, "AWS/DynamoDB", "SuccessfulRequestLatency", table_dims, DYNAMODB_LATENCY_STAT, window_s
                    )
                )
            plan.tables.append((table.name, parts))
        plans.append(plan)
    return SlaPlan(window=window, start=start, end=end, queries=queries, services=plans)


def calls(plan: SlaPlan) -> list[list[MetricQuery]]:
    """The plan split into GetMetricData calls: one, unless it exceeds 500 queries or the 100,800 datapoints one
    answer holds (beyond that CloudWatch would page the answer and mark the early pages PartialData)."""
    span = (plan.end - plan.start).total_seconds()
    batches: list[list[MetricQuery]] = [[]]
    points = 0
    for query in plan.queries:
        cost = int(span // query.period)
        if batches[-1] and (len(batches[-1]) >= MAX_QUERIES_PER_CALL or points + cost > MAX_DATAPOINTS_PER_CALL):
            batches.append([])
            points = 0
        batches[-1].append(query)
        points += cost
    return [batch for batch in batches if batch]


def fetch(gateway: CloudWatchGateway, plan: SlaPlan) -> tuple[dict[str, Series], str | None]:
    """Run the plan (one call for any realistic configuration); throttling that outlasts botocore's retries leaves
    the series out and returns the reason, so the report says what is missing instead of zeros."""
    from bot.aws.clients import AwsError

    series: dict[str, Series] = {}
    try:
        for batch in calls(plan):
            series |= gateway.get_metric_data(batch, plan.start, plan.end)
    except AwsError as exc:
        return {}, f"{CLOUDWATCH_SILENT}: {exc.code}" if exc.code else CLOUDWATCH_SILENT
    return series, None


def package_sizes(functions: list[str]) -> dict[str, int | None]:
    """Each function's deployment package (GetFunctionConfiguration CodeSize); None where it cannot be read."""
    from bot.aws.clients import AwsError
    from bot.aws.lambda_ import LambdaGateway

    gateway = LambdaGateway() if functions else None
    sizes: dict[str, int | None] = {}
    for name in functions:
        try:
            sizes[name] = gateway.get_function_configuration(name).code_size_bytes if gateway else None
        except AwsError:
            sizes[name] = None
    return sizes


# How the report learns package sizes; replaceable (unit tests without AWS).
code_size_provider: Callable[[list[str]], dict[str, int | None]] = package_sizes


def build_sla_report(
    settings: Settings,
    service: Service | None = None,
    window: str = "24h",
    *,
    now: datetime | None = None,
    cloudwatch: CloudWatchGateway | None = None,
    breakers: BreakerStore | None = None,
    code_sizes: Callable[[list[str]], dict[str, int | None]] | None = None,
) -> SlaReport:
    services = [service] if service else list(settings.services)
    plan = plan_sla(settings, services, window, now)
    series, silent = fetch(cloudwatch or CloudWatchGateway(settings.region), plan) if plan.queries else ({}, None)
    states, breaker_problem = load_breakers(settings, services, breakers)
    sizes = (code_sizes or code_size_provider)([fn for sp in plan.services for fn, _ in sp.cold])
    rows = [_service_sla(sp, plan, series, silent, states, breaker_problem, sizes) for sp in plan.services]
    notes = [f"Some numbers are missing — {silent}."] if silent else []
    return SlaReport(
        window=window,
        start=plan.start,
        end=plan.end,
        services=rows,
        queries=len(plan.queries),
        calls=len(calls(plan)),
        notes=notes,
    )


def _service_sla(
    sp: ServicePlan,
    plan: SlaPlan,
    series: dict[str, Series],
    silent: str | None,
    states: dict[str, BreakerStatus],
    breaker_problem: str | None,
    code_sizes: dict[str, int | None],
) -> ServiceSla:
    def get(qid: str) -> Series | None:
        found = series.get(qid)
        return found if found is not None and found.complete else None

    gone = silent or CLOUDWATCH_SILENT
    win_start = plan.end - timedelta(seconds=WINDOWS[plan.window])
    counts = [get(q) for q in (sp.requests, sp.errors_5xx, sp.errors_4xx)] if sp.requests else []
    complete = [s for s in counts if s is not None]

    def totals(seconds: int) -> tuple[float | None, float | None, float | None]:
        if not counts or len(complete) != len(counts):
            return None, None, None
        since = plan.end - timedelta(seconds=seconds)
        req, e5, e4 = (sum_since(s, since) for s in complete)
        return req, e5, e4

    requests, errors_5xx, errors_4xx = totals(WINDOWS[plan.window])
    measurements: list[Measurement] = []
    if sp.service.api:
        measurements += _traffic_measurements(sp.slo, requests, errors_5xx, errors_4xx, gone)
        for stat, qid in sorted(sp.latency.items()):
            if stat == sp.slo.latency_percentile:
                label = f"Request latency {stat}"
                measurements.append(_latency(f"latency_{stat}", label, get(qid), win_start, sp.slo.latency_ms, gone))
            if stat == COMPONENT_STAT:
                label = "API Gateway latency p95"
                measurements.append(_latency("apigw_p95", label, get(qid), win_start, sp.slo.apigw_p95_ms, gone))
    for fn, qid in sp.functions:
        label = f"Lambda {fn} duration p95"
        measurements.append(_latency(f"lambda_p95:{fn}", label, get(qid), win_start, sp.slo.lambda_p95_ms, gone))
    for table, parts in sp.tables:
        label = f"DynamoDB {table} latency (average; DynamoDB publishes no p95)"
        limit = sp.slo.dynamodb_p95_ms
        by_operation = [(operation, get(qid)) for operation, qid in parts]
        measurements.append(_slowest(f"dynamodb_p95:{table}", label, by_operation, win_start, limit, gone))
    if sp.service.breaker_key:
        status = states.get(sp.service.breaker_key)
        measurements.append(recovery_measurement(status, plan.end, sp.slo.breaker_recovery_s, breaker_problem))
    burn_rates = multi_window([burn(sp.slo, name, *totals(s)[:2], page) for name, s, page in BURN_WINDOWS])
    error_budget = budget(
        sp.slo, *totals(BUDGET_WINDOW_S)[:2], burn_rates, gone if sp.requests else "no API configured"
    )
    if complete and error_budget.remaining is not None:
        error_budget = error_budget.model_copy(update={"observed_hours": _observed_hours(complete[0], plan.end)})
    cold = [_cold_starts(fn, prefix, get, win_start, silent, code_sizes, plan.window) for fn, prefix in sp.cold]
    return ServiceSla(
        service=sp.service.name,
        window=plan.window,
        requests=requests,
        errors_5xx=errors_5xx,
        errors_4xx=errors_4xx,
        measurements=measurements,
        burn_rates=burn_rates,
        budget=error_budget,
        cold_starts=cold,
    )


def _cold_starts(
    function: str,
    prefix: str,
    get: Callable[[str], Series | None],
    win_start: datetime,
    silent: str | None,
    code_sizes: dict[str, int | None],
    window: str,
) -> ColdStartFacts:
    def value(suffix: str) -> float | None:
        series = get(f"{prefix}_{suffix}")
        return value_at(series, win_start) if series is not None else None

    facts = ColdStartFacts(function=function, window=f"last {window}", code_size_bytes=code_sizes.get(function))
    if silent or get(f"{prefix}_on") is None:
        return facts.model_copy(update={"missing": silent or CLOUDWATCH_SILENT})
    if not value("on"):  # Lambda Insights reported nothing: cold starts unknown, not zero
        return facts.model_copy(update={"invocations": value("inv"), "missing": NEEDS_INSIGHTS})
    return facts.model_copy(
        update={"invocations": value("inv"), "cold_starts": value("n") or 0.0, "init_p95_ms": value("p95")}
    )


def _observed_hours(requests: Series, end: datetime) -> float | None:
    """How much of the budget window has traffic: a young service's budget covers less than 30 days."""
    since = (end - timedelta(seconds=BUDGET_WINDOW_S)).timestamp()
    first = next(
        (t for t, v in zip(requests.timestamps, requests.values, strict=True) if t.timestamp() >= since and v), None
    )
    return (end - first).total_seconds() / HOUR if first is not None else None


def _traffic_measurements(
    slo: Slo, requests: float | None, e5: float | None, e4: float | None, gone: str
) -> list[Measurement]:
    availability = error_rate = rate_4xx = None
    missing: str | None = gone
    detail = ""
    if requests is not None and e5 is not None and e4 is not None:
        missing = None if requests > 0 else "no requests in the window"
        if requests > 0:
            availability, error_rate, rate_4xx = (1 - e5 / requests) * 100, e5 / requests * 100, e4 / requests * 100
            detail = f"{e5:,.0f} 5XX of {requests:,.0f} requests"
    allowed_pct = 100 - slo.availability_pct
    return [
        Measurement(
            key="availability",
            label="Availability",
            value=availability,
            unit="%",
            objective=f"≥ {slo.availability_pct:g} %",
            mark=mark_below(error_rate, allowed_pct),  # availability misses its SLO when 5XX exceed the budget
            missing=missing,
            detail=detail,
        ),
        Measurement(
            key="error_rate",
            label="Error rate (5XX)",
            value=error_rate,
            unit="%",
            objective=f"< {slo.error_rate_pct:g} %",
            mark=mark_below(error_rate, slo.error_rate_pct),
            missing=missing,
            detail=f"4XX {rate_4xx:.2f} % shown apart (client errors)" if rate_4xx is not None else "",
        ),
    ]


def _latency(key: str, label: str, series: Series | None, win_start: datetime, limit: float, gone: str) -> Measurement:
    return _slowest(key, label, [("", series)], win_start, limit, gone)


def _slowest(
    key: str, label: str, parts: list[tuple[str, Series | None]], win_start: datetime, limit: float, gone: str
) -> Measurement:
    """The worst window percentile of several series (a table's operations): each must meet the objective.
    If any series did not come back the value is missing — a maximum over part of them could hide the worst."""
    values = {name: value_at(series, win_start) for name, series in parts if series is not None}
    known = {name: v for name, v in values.items() if v is not None}
    value = max(known.values()) if known and len(values) == len(parts) else None
    incomplete = len(values) != len(parts)
    missing = None if value is not None else (gone if incomplete else "no data in the window")
    detail = ""
    if len(parts) > 1 and value is not None:
        detail = "slowest of " + ", ".join(f"{n} {v:,.1f} ms" for n, v in sorted(known.items(), key=lambda kv: -kv[1]))
    return Measurement(
        key=key,
        label=label,
        value=value,
        unit="ms",
        objective=f"< {limit:g} ms",
        mark=mark_below(value, limit),
        missing=missing,
        detail=detail,
    )
