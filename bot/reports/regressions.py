"""Regression detection: a latency or duration p95 more than 20 % above its baseline.

Current = the p95 of the last hour; baseline = the median of the p95s of the same hour on each of the previous
7 days (medians of hourly percentiles, because percentiles cannot be added up; the median ignores one bad day).
One GetMetricData call: StartTime = end − 8 days, hourly p95 buckets aligned to ``end``.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.reports.common import CLOUDWATCH_SILENT, aligned_end, table_dimensions, value_at
from bot.reports.models import Regression, RegressionScan

if TYPE_CHECKING:
    from bot.aws.cloudwatch import CloudWatchGateway, MetricQuery
    from bot.settings import Service, Settings

THRESHOLD = 1.2  # a regression: more than 20 % above the baseline
BASELINE_DAYS = 7
HOUR = 3600


# the `/perf metrics` name (bot.reports.catalog) of each watched metric, by namespace
CATALOG_METRIC = {"AWS/ApiGateway": "latency", "AWS/Lambda": "duration", "AWS/DynamoDB": "dynamodb-latency"}


def _watched(services: list[Service]) -> list[tuple[str, str, str, MetricQuery]]:
    """(service, metric label, resource, query) for every latency/duration metric of every service."""
    from bot.aws.cloudwatch import MetricQuery

    out = []
    for i, s in enumerate(services):
        if s.api:
            query = MetricQuery(f"s{i}_api", "AWS/ApiGateway", "Latency", (("ApiName", s.api.name),), "p95", HOUR)
            out.append((s.name, "API Gateway latency p95", s.api.name, query))
        for j, fn in enumerate(s.lambda_functions):
            query = MetricQuery(f"s{i}_fn{j}", "AWS/Lambda", "Duration", (("FunctionName", fn.name),), "p95", HOUR)
            out.append((s.name, "Lambda duration p95", fn.name, query))
        for k, table in enumerate(s.dynamodb_tables):
            for n, operation in enumerate(table.latency_operations or [""]):
                dims = table_dimensions(table.name, operation)
                qid = f"s{i}_tb{k}_{n}"
                # DynamoDB vends no percentiles of SuccessfulRequestLatency; its hourly Average is compared instead
                query = MetricQuery(qid, "AWS/DynamoDB", "SuccessfulRequestLatency", dims, "Average", HOUR)
                out.append((s.name, "DynamoDB latency (average)", f"{table.name} {operation}".strip(), query))
    return out


def scan_regressions(
    settings: Settings, *, now: datetime | None = None, cloudwatch: CloudWatchGateway | None = None
) -> RegressionScan:
    from bot.aws.clients import AwsError
    from bot.aws.cloudwatch import CloudWatchGateway

    end = aligned_end(now)
    hour_start = end - timedelta(seconds=HOUR)
    watched = _watched(list(settings.services))
    scan = {"hour_start": hour_start, "end": end, "checked": 0, "regressions": [], "missing": []}
    if not watched:
        return RegressionScan(**scan)
    start = end - timedelta(days=BASELINE_DAYS + 1)
    try:
        series = (cloudwatch or CloudWatchGateway(settings.region)).get_metric_data(
            [q for *_, q in watched], start, end
        )
    except AwsError as exc:
        return RegressionScan(**scan | {"missing": [f"every metric ({CLOUDWATCH_SILENT}: {exc.code or 'error'})"]})
    regressions: list[Regression] = []
    missing: list[str] = []
    checked = 0
    for service, label, resource, query in watched:
        found = series.get(query.id)
        if found is None or not found.complete:
            missing.append(f"{service} {label} ({CLOUDWATCH_SILENT})")
            continue
        current = value_at(found, hour_start)
        history = [value_at(found, hour_start - timedelta(days=d)) for d in range(1, BASELINE_DAYS + 1)]
        baseline_values = [v for v in history if v is not None]
        if current is None or not baseline_values:
            continue  # no traffic now or no history yet: nothing to compare
        checked += 1
        baseline = statistics.median(baseline_values)
        if baseline > 0 and current > THRESHOLD * baseline:
            regressions.append(
                Regression(
                    service=service,
                    metric=label,
                    resource=resource,
                    current=current,
                    baseline=baseline,
                    catalog_metric=CATALOG_METRIC[query.namespace],
                )
            )
    return RegressionScan(hour_start=hour_start, end=end, checked=checked, regressions=regressions, missing=missing)
