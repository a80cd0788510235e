"""CloudWatch's alarm payloads as documented, validated with pydantic before perfbot reads them.

* SNS: the record's ``Message`` is JSON with ``AlarmName``, ``NewStateValue``, ``NewStateReason``, ``Trigger``
  (metric, metric-math ``Metrics`` with ``ThresholdMetricId`` for anomaly detection) or ``AlarmRule`` (composite).
  Dimensions come as ``[{"name": …, "value": …}]`` and statistics upper-case (``MAXIMUM``), timestamps as ``…+0000``.
* EventBridge "CloudWatch Alarm State Change": ``detail.state`` / ``previousState`` / ``configuration`` (camelCase,
  dimensions as a mapping, ``reasonData`` a JSON string; no threshold in ``configuration``).
* The Lambda alarm action (CloudWatch invoking the function itself): ``source: aws.cloudwatch``, ``alarmArn``,
  ``accountId``, ``region``, ``time`` and ``alarmData`` — the same shape as the EventBridge ``detail``. (Powertools
  models this event only as a data class, ``CloudWatchAlarmEvent``, not as a parser model; its sample events are in
  tests/events/cloudWatchAlarmEvent*.json.)
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from bot.alarms.models import AlarmState

_STATISTICS = {"SAMPLE_COUNT": "SampleCount", "AVERAGE": "Average", "SUM": "Sum", "MINIMUM": "Minimum"}
_STATISTICS |= {"MAXIMUM": "Maximum"}
_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


def timestamp(value: Any) -> Any:
    """CloudWatch writes ``2026-11-26T19:00:12.345+0000``; ISO 8601 (and pydantic) want ``+00:00``."""
    return _OFFSET.sub(r"\1:\2", value) if isinstance(value, str) else value


def _scalar(value: Any, what: str) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"dimension {what} must be a string")


def _dimensions(value: Any) -> dict[str, str]:
    """``{"name": value}`` (EventBridge) or ``[{"name": …, "value": …}]`` (SNS); anything else is a ValueError (so
    pydantic reports it as a validation error of this record, never an exception out of the handler)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {_scalar(k, "name"): _scalar(v, "value") for k, v in value.items()}
    if not isinstance(value, list):
        raise ValueError("dimensions must be a list of name/value pairs or a mapping")
    out = {}
    for pair in value:
        if not isinstance(pair, dict):
            raise ValueError("each dimension must be an object with a name and a value")
        name, val = pair.get("name", pair.get("Name")), pair.get("value", pair.get("Value"))
        out[_scalar(name, "name")] = _scalar(val, "value")
    return out


def statistic(value: str | None) -> str:
    return _STATISTICS.get((value or "").upper(), value or "")


DimensionMap = Annotated[dict[str, str], BeforeValidator(_dimensions)]
AwsTime = Annotated[datetime, BeforeValidator(timestamp)]


class _Raw(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# --- SNS: the CloudWatch alarm Message ----------------------------------------------------------------------
class SnsMetric(_Raw):
    Namespace: str
    MetricName: str
    Dimensions: DimensionMap = Field(default_factory=dict)


class SnsMetricStat(_Raw):
    Metric: SnsMetric
    Period: int = 0
    Stat: str = ""
    Unit: str | None = None


class SnsMetricQuery(_Raw):
    Id: str
    Expression: str = ""
    Label: str = ""
    MetricStat: SnsMetricStat | None = None
    ReturnData: bool = True


class SnsTrigger(_Raw):
    MetricName: str | None = None
    Namespace: str | None = None
    Statistic: str | None = None
    ExtendedStatistic: str | None = None
    Unit: str | None = None
    Dimensions: DimensionMap = Field(default_factory=dict)
    Period: int = 0
    EvaluationPeriods: int | None = None
    DatapointsToAlarm: int | None = None
    ComparisonOperator: str | None = None
    Threshold: float | None = None
    ThresholdMetricId: str | None = None
    TreatMissingData: str | None = None
    Metrics: list[SnsMetricQuery] = Field(default_factory=list)


class SnsChildState(_Raw):
    Value: str = ""


class SnsTriggeringChild(_Raw):
    Arn: str
    State: SnsChildState = Field(default_factory=SnsChildState)


class CloudWatchAlarmMessage(_Raw):
    """The JSON CloudWatch publishes to SNS for a metric or composite alarm."""

    AlarmName: str
    AlarmDescription: str | None = None
    AWSAccountId: str = ""
    NewStateValue: AlarmState
    NewStateReason: str = ""
    StateChangeTime: AwsTime
    AlarmArn: str = ""
    OldStateValue: AlarmState | None = None
    Trigger: SnsTrigger | None = None
    AlarmRule: str | None = None
    TriggeringChildren: list[SnsTriggeringChild] = Field(default_factory=list)


# --- EventBridge: detail of "CloudWatch Alarm State Change" -------------------------------------------------
class EbMetric(_Raw):
    namespace: str
    name: str
    dimensions: DimensionMap = Field(default_factory=dict)


class EbMetricStat(_Raw):
    metric: EbMetric
    period: int = 0
    stat: str = ""
    unit: str | None = None


class EbMetricQuery(_Raw):
    id: str
    expression: str = ""
    label: str = ""
    metricStat: EbMetricStat | None = None
    returnData: bool = True


class EbState(_Raw):
    value: AlarmState
    reason: str = ""
    reasonData: str | None = None
    timestamp: AwsTime


class EbConfiguration(_Raw):
    description: str | None = None
    metrics: list[EbMetricQuery] = Field(default_factory=list)
    alarmRule: str | None = None


class AlarmStateChangeDetail(_Raw):
    alarmName: str
    state: EbState
    previousState: EbState | None = None
    configuration: EbConfiguration = Field(default_factory=EbConfiguration)


class AlarmActionEvent(_Raw):
    """What CloudWatch sends when the alarm's action is this Lambda function."""

    source: str
    alarmArn: str = ""
    accountId: str = ""
    region: str = ""
    time: AwsTime | None = None
    alarmData: dict[str, Any]
