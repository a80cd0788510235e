"""CloudWatch's three alarm payloads (validated by :mod:`bot.alarms.payloads`) → :class:`AlarmNotification`."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from bot.alarms.models import (
    MAX_DESCRIPTION,
    MAX_REASON,
    AlarmKind,
    AlarmNotification,
    MetricQueryRef,
    MetricRef,
    TriggeringChild,
)
from bot.alarms.payloads import (
    AlarmActionEvent,
    AlarmStateChangeDetail,
    CloudWatchAlarmMessage,
    EbMetricStat,
    SnsMetric,
    SnsTrigger,
    statistic,
)


class BadAlarmMessage(ValueError):
    """The record is not a CloudWatch alarm notification perfbot understands; nothing is done with it."""


_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:cloudwatch:([a-z0-9-]+):(\d{12})?:alarm:")


# --- common ----------------------------------------------------------------------------------------------------
def _kind(queries: list[MetricQueryRef], threshold_metric_id: str | None, rule: str | None) -> AlarmKind:
    if rule:
        return "composite"
    bands = [q for q in queries if "ANOMALY_DETECTION_BAND" in q.expression.upper()]
    if threshold_metric_id or bands:
        return "anomaly"
    return "metric_math" if any(q.expression for q in queries) else "metric"


def _cut(text: str | None, limit: int, field_name: str, warnings: list[str]) -> str:
    text = text or ""
    if len(text) > limit:
        warnings.append(f"{field_name} of {len(text)} characters cut to {limit}")
        return text[:limit]
    return text


def _arn_parts(arn: str) -> tuple[str, str]:
    found = _ARN_REGION.match(arn or "")
    return (found.group(1), found.group(2) or "") if found else ("", "")


def _child(arn: str, state: str = "") -> TriggeringChild:
    return TriggeringChild(name=arn.split(":alarm:", 1)[-1], state=state)


def from_sns_message(message_id: str, message: str, warnings: list[str]) -> AlarmNotification:
    """Parse an SNS ``Message`` string; raises :class:`BadAlarmMessage` for anything that is not an alarm."""
    try:
        raw = CloudWatchAlarmMessage.model_validate_json(message)
    except ValidationError as exc:
        raise BadAlarmMessage(_explain(exc)) from exc
    trigger = raw.Trigger or SnsTrigger()
    queries = [
        MetricQueryRef(
            id=q.Id,
            expression=q.Expression,
            label=q.Label,
            return_data=q.ReturnData,
            metric=_metric(q.MetricStat.Metric, q.MetricStat.Stat, q.MetricStat.Period, q.MetricStat.Unit)
            if q.MetricStat
            else None,
        )
        for q in trigger.Metrics
    ]
    metric = None
    if trigger.MetricName and trigger.Namespace:
        stat = trigger.ExtendedStatistic or statistic(trigger.Statistic)
        metric = MetricRef(
            namespace=trigger.Namespace,
            name=trigger.MetricName,
            dimensions=trigger.Dimensions,
            stat=stat,
            period=trigger.Period,
            unit=trigger.Unit,
        )
    kind = _kind(queries, trigger.ThresholdMetricId, raw.AlarmRule)
    if kind == "anomaly" and metric is None:
        metric = next((q.metric for q in queries if q.metric), None)
    if kind == "metric" and metric is None and not raw.AlarmRule:
        raise BadAlarmMessage("alarm message has neither a Trigger metric, Trigger.Metrics nor an AlarmRule")
    region, account = _arn_parts(raw.AlarmArn)
    return _build(
        message_id=message_id,
        source="sns",
        alarm_name=raw.AlarmName,
        alarm_arn=raw.AlarmArn,
        account=raw.AWSAccountId or account,
        region=region,
        description=_cut(raw.AlarmDescription, MAX_DESCRIPTION, "AlarmDescription", warnings),
        state=raw.NewStateValue,
        previous_state=raw.OldStateValue,
        reason=_cut(raw.NewStateReason, MAX_REASON, "NewStateReason", warnings),
        changed_at=raw.StateChangeTime,
        kind=kind,
        metric=metric,
        queries=queries,
        threshold=trigger.Threshold,
        comparison=trigger.ComparisonOperator,
        evaluation_periods=trigger.EvaluationPeriods,
        datapoints_to_alarm=trigger.DatapointsToAlarm or trigger.EvaluationPeriods,
        threshold_metric_id=trigger.ThresholdMetricId,
        treat_missing_data=trigger.TreatMissingData,
        alarm_rule=raw.AlarmRule,
        triggering_children=[_child(c.Arn, c.State.Value) for c in raw.TriggeringChildren],
    )


def from_alarm_action(event: dict[str, Any], warnings: list[str]) -> AlarmNotification:
    """The event CloudWatch sends when it invokes the function as the alarm's action (``alarmData``)."""
    try:
        raw = AlarmActionEvent.model_validate(event)
    except ValidationError as exc:
        raise BadAlarmMessage(_explain(exc)) from exc
    if raw.source != "aws.cloudwatch":
        raise BadAlarmMessage(f"unexpected source {raw.source[:40]!r}")
    region, account = _arn_parts(raw.alarmArn)
    state = raw.alarmData.get("state")
    value, stamp = (state.get("value"), state.get("timestamp")) if isinstance(state, dict) else (None, None)
    # no message id in this event: the alarm, its new state and the time of the change name it (a retry of the same
    # invocation repeats all three)
    message_id = f"alarm-action:{raw.alarmArn[-200:]}:{value}@{stamp}"
    return from_eventbridge(
        message_id,
        raw.region or region,
        raw.accountId or account,
        [raw.alarmArn] if raw.alarmArn else [],
        raw.alarmData,
        warnings,
        source="alarm_action",
    )


def from_eventbridge(
    event_id: str,
    region: str,
    account: str,
    resources: list[str],
    detail: dict[str, Any],
    warnings: list[str],
    *,
    source: str = "eventbridge",
) -> AlarmNotification:
    try:
        raw = AlarmStateChangeDetail.model_validate(detail)
    except ValidationError as exc:
        raise BadAlarmMessage(_explain(exc)) from exc
    config = raw.configuration
    queries = [
        MetricQueryRef(
            id=q.id,
            expression=q.expression,
            label=q.label,
            return_data=q.returnData,
            metric=_eb_metric(q.metricStat) if q.metricStat else None,
        )
        for q in config.metrics
    ]
    band = next((q.id for q in queries if "ANOMALY_DETECTION_BAND" in q.expression.upper()), None)
    kind = _kind(queries, band, config.alarmRule)
    plain = kind == "metric" and len(queries) == 1
    metric = queries[0].metric if plain else next((q.metric for q in queries if q.metric), None)
    reason_data = _reason_data(raw.state.reasonData)
    children = [
        _child(str(c.get("arn", "")), str((c.get("state") or {}).get("value", "")))
        for c in (reason_data or {}).get("triggeringAlarms", [])
        if isinstance(c, dict)
    ]
    threshold = (reason_data or {}).get("threshold")
    return _build(
        message_id=event_id,
        source=source,
        alarm_name=raw.alarmName,
        alarm_arn=resources[0] if resources else "",
        account=account,
        region=region,
        description=_cut(config.description, MAX_DESCRIPTION, "description", warnings),
        state=raw.state.value,
        previous_state=raw.previousState.value if raw.previousState else None,
        reason=_cut(raw.state.reason, MAX_REASON, "state.reason", warnings),
        reason_data=reason_data,
        changed_at=raw.state.timestamp,
        kind=kind,
        metric=metric,
        queries=[] if plain else queries,
        threshold=float(threshold) if isinstance(threshold, int | float) else None,
        threshold_metric_id=band,
        alarm_rule=config.alarmRule,
        triggering_children=children,
    )


def _build(**fields: Any) -> AlarmNotification:
    try:
        return AlarmNotification(**fields)
    except ValidationError as exc:
        raise BadAlarmMessage(_explain(exc)) from exc


def _metric(metric: SnsMetric, stat: str, period: int, unit: str | None) -> MetricRef:
    return MetricRef(
        namespace=metric.Namespace,
        name=metric.MetricName,
        dimensions=metric.Dimensions,
        stat=statistic(stat),
        period=period,
        unit=unit,
    )


def _eb_metric(stat: EbMetricStat) -> MetricRef:
    metric = stat.metric
    return MetricRef(
        namespace=metric.namespace,
        name=metric.name,
        dimensions=metric.dimensions,
        stat=stat.stat,
        period=stat.period,
        unit=stat.unit,
    )


def _reason_data(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _explain(exc: ValidationError) -> str:
    """A short, log-friendly account of what is wrong (no input values: they may be huge or hostile)."""
    problems = [f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in exc.errors()[:5]]
    return "; ".join(problems)
