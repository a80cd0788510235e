"""The alarm's graph: a GetMetricWidgetImage widget with the alarm's metric(s) and its threshold as a line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.alarms.models import AlarmNotification, MetricRef
from bot.alarms.reasons import metric_words, number, threshold_value

AFTER_CHANGE = timedelta(minutes=15)


def _row(metric: MetricRef, options: dict[str, Any]) -> list[Any]:
    row: list[Any] = [metric.namespace, metric.name]
    for name, value in metric.dimensions.items():
        row += [name, value]
    stat = {"stat": metric.stat} if metric.stat else {}
    period = {"period": metric.period} if metric.period else {}
    return [*row, stat | period | options]


def widget_for(n: AlarmNotification, hours: float = 3) -> dict[str, Any] | None:
    """The widget JSON, or None for alarms without metrics of their own (composite alarms)."""
    if n.kind == "composite" or not n.metrics():
        return None
    rows: list[list[Any]] = []
    if n.queries:
        for q in n.queries:
            if q.metric is not None:
                rows.append(_row(q.metric, {"id": q.id, "visible": q.return_data}))
            elif q.expression and "ANOMALY_DETECTION_BAND" not in q.expression.upper():
                rows.append([{"expression": q.expression, "id": q.id, "label": q.label or q.id}])
    elif n.metric is not None:
        rows.append(_row(n.metric, {"label": metric_words(n.metric.name)}))
    if not rows:
        return None
    changed = n.changed_at.astimezone(UTC)
    widget: dict[str, Any] = {
        "title": n.alarm_name[:100],
        "view": "timeSeries",
        "stacked": False,
        "metrics": rows,
        "region": n.region or "us-east-1",
        "start": (changed - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": max(min(changed + AFTER_CHANGE, datetime.now(UTC)), changed + timedelta(minutes=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "width": 800,
        "height": 400,
    }
    threshold = threshold_value(n)
    if threshold is not None and n.kind != "anomaly":
        widget["annotations"] = {"horizontal": [{"label": f"threshold {number(threshold)}", "value": threshold}]}
    if n.period:
        widget["period"] = n.period
    return widget
