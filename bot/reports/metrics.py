"""`/perf metrics <service> [metric] [window] [stat]`: a series summary, its graph, and the latest
ApplicationMetrics items of the service.

The summary's series and its whole-window statistic come from one GetMetricData call; the window statistic has
Period = the window, so a p95 is a real window percentile. The items come from a Query on the table's service
index (newest first, paginated, projected) — never a Scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.reports.catalog import CATALOG, DEFAULT_METRIC, CatalogMetric
from bot.reports.common import (
    CLOUDWATCH_SILENT,
    DEFAULT_WINDOW,
    WINDOWS,
    ReportInputError,
    aligned_end,
    is_window,
    parse_window,
    resolve_service,
    table_dimensions,
    value_at,
)
from bot.reports.models import ApplicationMetricItem, MetricPoint, MetricsSummary

if TYPE_CHECKING:
    from bot.aws.cloudwatch import CloudWatchGateway
    from bot.settings import Service, Settings

GRAPH_PERIOD_S = {"1h": 60, "24h": 300, "7d": 3600, "30d": 3600}  # ≤ 720 points per graph
ITEMS_SHOWN = 10
BASIC_STATS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?|100)$", re.IGNORECASE)


@dataclass(frozen=True)
class MetricsRequest:
    service: Service
    metric: CatalogMetric
    window: str
    stat: str


def parse_stat(word: str) -> str | None:
    for stat in BASIC_STATS:
        if word.lower() == stat.lower():
            return stat
    return word.lower() if _PERCENTILE.match(word) else None


def parse_metrics_args(settings: Settings, args: list[str]) -> MetricsRequest:
    """``<service> [metric] [window] [stat]``; metric, window and stat may come in any order after the service."""
    if not args:
        raise ReportInputError(f"Which service? Known services: {', '.join(settings.service_names) or 'none'}.")
    service = resolve_service(settings, args[0])
    metric: CatalogMetric | None = None
    window, stat = DEFAULT_WINDOW, None
    for word in args[1:]:
        if is_window(word):
            window = parse_window(word)
        elif word.lower() in CATALOG and metric is None:
            metric = CATALOG[word.lower()]
        elif parse_stat(word) and stat is None:
            stat = parse_stat(word)
        else:
            raise ReportInputError(f"`{word}` is not a metric I know; use one of {', '.join(CATALOG)}.")
    chosen = metric or CATALOG[DEFAULT_METRIC]
    return MetricsRequest(service=service, metric=chosen, window=window, stat=stat or chosen.stat)


def dimensions(service: Service, metric: CatalogMetric) -> tuple[tuple[str, str], ...] | None:
    """The dimension of the service's first resource of the metric's kind, or None when it has none."""
    if metric.resource == "api" and service.api:
        return (("ApiName", service.api.name),)
    if metric.resource == "lambda" and service.lambda_functions:
        return (("FunctionName", service.lambda_functions[0].name),)
    if metric.resource == "table" and service.dynamodb_tables:
        table = service.dynamodb_tables[0]
        if metric.metric == "SuccessfulRequestLatency" and table.latency_operations:
            return table_dimensions(table.name, table.latency_operations[0])  # AWS publishes it per operation
        return table_dimensions(table.name)
    return None


def build_metrics_summary(
    settings: Settings,
    request: MetricsRequest,
    *,
    now: datetime | None = None,
    cloudwatch: CloudWatchGateway | None = None,
    with_graph: bool = True,
) -> MetricsSummary:
    from bot.aws.clients import AwsError
    from bot.aws.cloudwatch import CloudWatchGateway, MetricQuery

    metric, window = request.metric, request.window
    dims = dimensions(request.service, metric)
    if dims is None:
        raise ReportInputError(f"`{request.service.name}` has no {metric.resource} configured for `{metric.name}`.")
    end = aligned_end(now)
    start = end - timedelta(seconds=WINDOWS[window])
    period = GRAPH_PERIOD_S[window]
    gateway = cloudwatch or CloudWatchGateway(settings.region)
    queries = [
        MetricQuery("series", metric.namespace, metric.metric, dims, request.stat, period),
        MetricQuery("whole", metric.namespace, metric.metric, dims, request.stat, WINDOWS[window]),
    ]
    base: dict[str, Any] = {
        "service": request.service.name,
        "metric": metric.name,
        "label": metric.label,
        "unit": metric.unit,
        "stat": request.stat,
        "window": window,
        "period_s": period,
    }
    try:
        series = gateway.get_metric_data(queries, start, end)
    except AwsError as exc:
        base |= {"points": [], "latest": None, "minimum": None, "maximum": None, "window_stat": None}
        base["missing"] = f"{CLOUDWATCH_SILENT} ({exc.code or 'error'})"
    else:
        points, whole = series["series"], series["whole"]
        values = points.values
        base |= {
            "points": [MetricPoint(timestamp=t, value=v) for t, v in zip(points.timestamps, values, strict=True)],
            "latest": points.latest,
            "minimum": min(values) if values else None,
            "maximum": max(values) if values else None,
            "window_stat": value_at(whole, start),
            "missing": None if points.complete and whole.complete else CLOUDWATCH_SILENT,
        }
        if not values and points.complete:
            base["missing"] = "no data in the window"
    if with_graph:
        base["graph"], base["graph_note"] = _graph(gateway, settings, request, dims, start, end, period)
    base.update(_latest_items(request.service))
    return MetricsSummary(**base)


def widget(
    settings: Settings,
    request: MetricsRequest,
    dims: tuple[tuple[str, str], ...],
    start: datetime,
    end: datetime,
    period: int,
) -> dict[str, Any]:
    metric = request.metric
    row: list[Any] = [metric.namespace, metric.metric]
    for name, value in dims:
        row += [name, value]
    row.append({"stat": request.stat, "period": period, "label": f"{metric.label} {request.stat}"})
    doc: dict[str, Any] = {
        "title": f"{request.service.name} — {metric.label} {request.stat}, last {request.window}",
        "metrics": [row],
        "view": "timeSeries",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "region": settings.region,
        "width": 800,
        "height": 320,
        "yAxis": {"left": {"label": metric.unit, "showUnits": False}},
    }
    limit = _objective_ms(settings, request)
    if limit is not None:
        doc["annotations"] = {"horizontal": [{"label": f"objective {limit:g} ms", "value": limit}]}
    return doc


def _objective_ms(settings: Settings, request: MetricsRequest) -> float | None:
    slo = settings.slo_for(request.service)
    targets = {
        "Latency": slo.apigw_p95_ms,
        "Duration": slo.lambda_p95_ms,
        "SuccessfulRequestLatency": slo.dynamodb_p95_ms,
    }
    return targets.get(request.metric.metric) if request.stat == "p95" else None


def _graph(
    gateway: CloudWatchGateway,
    settings: Settings,
    request: MetricsRequest,
    dims: tuple[tuple[str, str], ...],
    start: datetime,
    end: datetime,
    period: int,
) -> tuple[bytes | None, str | None]:
    from bot.aws.clients import AwsError

    try:
        return gateway.widget_image(widget(settings, request, dims, start, end, period)), None
    except AwsError as exc:
        return None, f"graph unavailable ({exc.code or 'error'})"


def _latest_items(service: Service) -> dict[str, Any]:
    """The newest ApplicationMetrics items of the service: Query on the service index, projected, newest first."""
    from bot.aws.clients import AwsError
    from bot.aws.dynamodb import Table

    table = next((t for t in service.dynamodb_tables if t.service_index), None)
    if table is None:
        return {"items_note": "no table with a service index configured"}
    try:
        raw = list(
            Table(table.name).query(
                "ServiceName = :service",
                {":service": service.name},
                index=table.service_index,
                newest_first=True,
                limit=ITEMS_SHOWN,
                projection="ServiceName, #ts, MetricType, #val, Metadata",
                names={"#ts": "Timestamp", "#val": "Value"},
            )
        )
    except AwsError as exc:
        return {"items_table": table.name, "items_note": f"items unavailable ({exc.code or 'error'})"}
    items = [
        ApplicationMetricItem(
            timestamp=str(item.get("Timestamp", "")),
            metric_type=str(item.get("MetricType", "")),
            value=item.get("Value") if isinstance(item.get("Value"), int | float | str) else None,
            metadata=_metadata(item.get("Metadata")),
        )
        for item in raw
    ]
    note = None if items else f"no items for {service.name} in {table.name}"
    return {"items": items, "items_table": table.name, "items_note": note}


def _metadata(raw: object) -> str:
    """A map as ``key=value, …`` (ApplicationMetrics items keep Metadata as a map); anything else as text."""
    if raw is None:
        return ""
    if isinstance(raw, dict):
        return ", ".join(f"{k}={v}" for k, v in raw.items())
    return str(raw)
