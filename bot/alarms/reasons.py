"""The reason in plain words: "p95 latency of monitoring-api was 812 ms, above the 500 ms threshold, in 1 of 1
five-minute periods" — from the alarm's Trigger and CloudWatch's NewStateReason / reasonData.

CloudWatch's reason text is machine-made and stable ("Threshold Crossed: 1 out of the last 1 datapoints [812.0 (…)]
was greater than the threshold (500.0) …"); when something cannot be read from it, the raw reason is used as is.
"""

from __future__ import annotations

import re

from bot.alarms.models import AlarmNotification, MetricRef

_DATAPOINTS = re.compile(r"(\d+) out of the last (\d+) datapoints?")
_FIRST_VALUE = re.compile(r"datapoints? \[([-+0-9.eE]+)")
_THRESHOLD = re.compile(r"the threshold \(([-+0-9.eE]+)\)")
_BAND = re.compile(r"the (upper|lower) thresholds? \[([-+0-9.eE]+)")
_COMPARISON = re.compile(r"(?:was|were) (not )?(greater than or equal to|greater than|less than or equal to|less than)")
_UNKNOWN = re.compile(r"(\d+) datapoints? (?:was|were) unknown")
_ARN_NAME = re.compile(r"arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d*:alarm:(\S+)")

METRIC_WORDS = {
    "Latency": "latency",
    "IntegrationLatency": "integration latency",
    "Duration": "duration",
    "SuccessfulRequestLatency": "DynamoDB latency",
    "5XXError": "5XX errors",
    "4XXError": "4XX errors",
    "Count": "requests",
    "Errors": "errors",
    "Throttles": "throttles",
    "ConcurrentExecutions": "concurrent executions",
    "ConsumedReadCapacityUnits": "consumed read capacity",
    "ConsumedWriteCapacityUnits": "consumed write capacity",
    "E2ELatency": "end-to-end latency",
    "CacheHitRate": "cache hit rate",
}
STAT_WORDS = {"Average": "average", "Maximum": "maximum", "Minimum": "minimum", "Sum": "total"}
STAT_WORDS |= {"SampleCount": "sample count"}
COMPARISON_WORDS = {
    "GreaterThanThreshold": "above",
    "GreaterThanOrEqualToThreshold": "at or above",
    "LessThanThreshold": "below",
    "LessThanOrEqualToThreshold": "at or below",
    "GreaterThanUpperThreshold": "above",
    "LessThanLowerThreshold": "below",
    "LessThanLowerOrGreaterThanUpperThreshold": "outside",
}
_TEXT_COMPARISON = {
    "greater than": "above",
    "greater than or equal to": "at or above",
    "less than": "below",
    "less than or equal to": "at or below",
}
PERIOD_WORDS = {10: "ten-second", 30: "30-second", 60: "one-minute", 300: "five-minute", 600: "ten-minute"}
PERIOD_WORDS |= {900: "15-minute", 1800: "30-minute", 3600: "one-hour", 86400: "one-day"}
_MS_UNITS = {"Milliseconds": "ms", "Seconds": "s", "Percent": "%", "Microseconds": "µs", "Bytes": "bytes"}


def metric_words(name: str) -> str:
    return METRIC_WORDS.get(name) or re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def period_words(seconds: int) -> str:
    if seconds in PERIOD_WORDS:
        return PERIOD_WORDS[seconds]
    return f"{seconds // 60}-minute" if seconds and seconds % 60 == 0 else f"{seconds}-second"


def number(value: float) -> str:
    """812 · 73.3 · 2,412 · 0.0123 — as many digits as a person reads."""
    if abs(value) >= 100:
        return f"{round(value):,}"
    if abs(value) >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def unit_of(n: AlarmNotification) -> str:
    """The value's unit: CloudWatch's when it says, else what the metric is known to measure."""
    declared = (n.reason_data or {}).get("unit") or (n.metric.unit if n.metric else None)
    if isinstance(declared, str) and declared in _MS_UNITS:
        return _MS_UNITS[declared]
    names = [m.name for m in n.metrics()]
    query = n.primary_query()
    if (names and all("Latency" in x or x == "Duration" for x in names)) or (query and " ms" in query.label):
        return "ms"
    if names and all(x.endswith(("Rate", "Utilization", "Efficiency")) for x in names):
        return "%"
    return ""


def with_unit(value: float, unit: str) -> str:
    if not unit:
        return number(value)
    return f"{number(value)}{'' if unit == '%' else ' '}{unit}"


def subject(n: AlarmNotification) -> str:
    """What was measured, in words: "p95 latency of monitoring-api"."""
    query = n.primary_query()
    if n.kind == "metric_math" and query is not None:
        what = query.label or f"the expression {query.expression}"
        return f"{what} for {_resource(n.metrics())}" if _resource(n.metrics()) else what
    metric = n.metric
    if metric is None:
        return n.alarm_name
    stat = STAT_WORDS.get(metric.stat, metric.stat)
    resource = _resource([metric])
    words = f"{stat} {metric_words(metric.name)}".strip()
    return f"{words} of {resource}" if resource else words


def _resource(metrics: list[MetricRef]) -> str:
    """The dimension values every metric shares (a math alarm's per-operation members share their table)."""
    if not metrics:
        return ""
    shared = set(metrics[0].dimensions.items())
    for m in metrics[1:]:
        shared &= set(m.dimensions.items())
    order = [k for k in metrics[0].dimensions if (k, metrics[0].dimensions[k]) in shared]
    return " / ".join(metrics[0].dimensions[k] for k in order)


def observed_value(n: AlarmNotification) -> float | None:
    found = _FIRST_VALUE.search(n.reason)
    if found:
        return float(found.group(1))
    recent = (n.reason_data or {}).get("recentDatapoints")
    if isinstance(recent, list) and recent and isinstance(recent[0], int | float):
        return float(recent[0])
    return None


def threshold_value(n: AlarmNotification) -> float | None:
    if n.threshold is not None:
        return n.threshold
    found = _THRESHOLD.search(n.reason)
    return float(found.group(1)) if found else None


def _periods(n: AlarmNotification) -> str:
    found = _DATAPOINTS.search(n.reason)
    breaching, total = (int(found.group(1)), int(found.group(2))) if found else (n.datapoints_to_alarm, None)
    total = total or n.evaluation_periods
    if not breaching or not total or not n.period:
        return ""
    return f", in {breaching} of {total} {period_words(n.period)} periods"  # "1 of 1 … periods": counted among all


def _direction(n: AlarmNotification) -> tuple[str, bool]:
    """("above" | "below" | …, negated?) from the Trigger, else from the reason text."""
    found = _COMPARISON.search(n.reason)
    negated = bool(found and found.group(1))
    if n.comparison in COMPARISON_WORDS:
        return COMPARISON_WORDS[n.comparison], negated
    if found:
        return _TEXT_COMPARISON[found.group(2)], negated
    return "", negated


def explain(n: AlarmNotification) -> str:
    """One sentence an on-call engineer reads first."""
    if n.kind == "composite":
        return _explain_composite(n)
    what, unit = subject(n), unit_of(n)
    if n.state == "INSUFFICIENT_DATA":
        unknown = _UNKNOWN.search(n.reason)
        count = int(unknown.group(1)) if unknown else (n.evaluation_periods or 1)
        span = f"{count} {period_words(n.period)} period{'s' if count != 1 else ''}" if n.period else "a while"
        return f"No data for {what} in the last {span}, so CloudWatch cannot tell whether it is healthy"
    observed = observed_value(n)
    if observed is None:
        return n.reason or f"{n.alarm_name} is {n.state}"
    direction, negated = _direction(n)
    if n.kind == "anomaly":
        band = _BAND.search(n.reason)
        bound = f" ({band.group(1)} bound {with_unit(float(band.group(2)), unit)})" if band else ""
        where = "inside" if n.state == "OK" else direction or "outside"
        return f"{what} was {with_unit(observed, unit)}, {where} the expected band{bound}{_periods(n)}"
    threshold = threshold_value(n)
    limit = f"the {with_unit(threshold, unit)} threshold" if threshold is not None else "its threshold"
    if n.state == "OK" or negated:
        back = {"above": "below", "at or above": "below", "below": "above", "at or below": "above"}.get(direction)
        return f"{what} was {with_unit(observed, unit)}, back {back or 'within'} {limit}"
    return f"{what} was {with_unit(observed, unit)}, {direction or 'beyond'} {limit}{_periods(n)}"


def _explain_composite(n: AlarmNotification) -> str:
    children = [c.name for c in n.triggering_children] or _ARN_NAME.findall(n.reason)
    names = ", ".join(dict.fromkeys(children))
    if n.state == "ALARM":
        return f"Its rule became true: {names} went into ALARM" if names else "Its rule became true"
    if n.state == "OK":
        return f"Its rule is false again: {names} recovered" if names else "Its rule is false again"
    return "Its rule cannot be evaluated: a child alarm has no data"
