"""Parses a GetMetricWidgetImage `MetricWidget` JSON document into GetMetricData queries plus drawing options.

Follows "GetMetricWidgetImage: Metric Widget Structure and Syntax": `metrics` rows are
`[Namespace, MetricName, DimName, DimValue, ..., {options}]` where "." repeats the value at the same position
in the previous row, and a row that is only `{"expression": ..., "id": ...}` is a metric math expression.
Defaults: stat Average, period 300, start -PT3H, end -PT0H (now), width 600, height 400. The API reference
lists no modelled error for this operation; an invalid document is rejected with InvalidParameterInput, the
code CloudWatch uses for invalid dashboard bodies.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from moto.cloudwatch.exceptions import DashboardInvalidInputError

from .metric_store import to_epoch

MAX_METRICS = 100
_DURATION = re.compile(r"^-P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


@dataclass
class Line:
    query_id: str
    label: str
    color: str | None


@dataclass
class Annotation:
    value: float
    label: str
    color: str | None


@dataclass
class WidgetSpec:
    queries: list[dict[str, Any]]
    lines: list[Line]
    start: float
    end: float
    width: int = 600
    height: int = 400
    title: str = ""
    annotations: list[Annotation] = field(default_factory=list)
    y_min: float | None = None
    y_max: float | None = None
    legend: str = "bottom"


def invalid(message: str) -> DashboardInvalidInputError:
    return DashboardInvalidInputError(f"The MetricWidget is invalid: {message}")


def parse_time(value: Any, now: float, default: str) -> float:
    """`-PT3H`, `-P1D`, ... relative to now, or an absolute ISO 8601 time."""
    text = str(value if value not in (None, "") else default)
    match = _DURATION.match(text)
    if match:
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
        return now - (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 - seconds
    try:
        return to_epoch(text)
    except ValueError:
        raise invalid(f"{text!r} is neither a relative time like -PT3H nor an ISO 8601 time") from None


def _int_in_range(doc: dict[str, Any], key: str, default: int) -> int:
    value = doc.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 2000:
        raise invalid(f"{key} must be an integer from 1 to 2000")
    return value


def _rows(doc: dict[str, Any]) -> list[list[Any]]:
    metrics = doc.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise invalid("metrics must be a non-empty array of arrays")
    if len(metrics) > MAX_METRICS:
        raise invalid(f"metrics can hold at most {MAX_METRICS} metrics and expressions")
    if not all(isinstance(row, list) and row for row in metrics):
        raise invalid("every entry of metrics must be a non-empty array")
    return metrics


def _queries(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Line]]:
    rows = _rows(doc)
    taken = {str(r[-1]["id"]) for r in rows if isinstance(r[-1], dict) and r[-1].get("id")}
    stat, period = str(doc.get("stat") or "Average"), int(doc.get("period") or 300)
    queries: list[dict[str, Any]] = []
    lines: list[Line] = []
    previous: list[Any] = []
    for number, row in enumerate(rows, start=1):
        options: dict[str, Any] = row[-1] if isinstance(row[-1], dict) else {}
        body = row[:-1] if options is row[-1] else row
        qid = str(options.get("id") or (f"m{number}" if f"m{number}" not in taken else f"auto{number}"))
        query: dict[str, Any] = {"Id": qid, "ReturnData": options.get("visible", True) is not False}
        if not body:
            if not options.get("expression"):
                raise invalid(f"metrics[{number - 1}] has neither a metric nor an expression")
            query.update(Expression=str(options["expression"]), Period=int(options.get("period") or period))
            label = str(options.get("label") or qid)
        else:
            resolved = [previous[i] if v == "." and i < len(previous) else v for i, v in enumerate(body)]
            previous = resolved
            if len(resolved) < 2 or len(resolved) % 2 or not all(isinstance(v, str) for v in resolved):
                raise invalid(f"metrics[{number - 1}] must be [Namespace, MetricName, DimName, DimValue, ...]")
            dims = [{"Name": n, "Value": v} for n, v in zip(resolved[2::2], resolved[3::2], strict=True)]
            metric = {"Namespace": resolved[0], "MetricName": resolved[1], "Dimensions": dims}
            query["MetricStat"] = {
                "Metric": metric,
                "Stat": str(options.get("stat") or stat),
                "Period": int(options.get("period") or period),
            }
            label = str(options.get("label") or resolved[1])
        queries.append(query)
        if query["ReturnData"]:
            lines.append(Line(qid, label, options.get("color")))
    return queries, lines


def _annotations(doc: dict[str, Any]) -> list[Annotation]:
    out: list[Annotation] = []
    for item in (doc.get("annotations") or {}).get("horizontal") or []:
        for part in item if isinstance(item, list) else [item]:  # a band is a pair of annotations
            if not isinstance(part, dict) or not isinstance(part.get("value"), int | float):
                raise invalid("every horizontal annotation needs a numeric value")
            if part.get("visible", True) is not False:
                out.append(Annotation(float(part["value"]), str(part.get("label") or ""), part.get("color")))
    return out


def parse_widget(text: str, now: float | None = None) -> WidgetSpec:
    try:
        doc = json.loads(text)
    except (TypeError, ValueError):
        raise invalid("it is not valid JSON") from None
    if not isinstance(doc, dict):
        raise invalid("it must be a JSON object")
    now = time.time() if now is None else now
    queries, lines = _queries(doc)
    start, end = parse_time(doc.get("start"), now, "-PT3H"), parse_time(doc.get("end"), now, "-PT0H")
    if start >= end:
        raise invalid("start must be before end")
    left = ((doc.get("yAxis") or {}).get("left")) or {}
    return WidgetSpec(
        queries=queries,
        lines=lines,
        start=start,
        end=end,
        width=_int_in_range(doc, "width", 600),
        height=_int_in_range(doc, "height", 400),
        title=str(doc.get("title") or ""),
        annotations=_annotations(doc),
        y_min=left.get("min"),
        y_max=left.get("max"),
        legend=str((doc.get("legend") or {}).get("position") or "bottom"),
    )
