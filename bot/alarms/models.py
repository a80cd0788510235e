"""What perfbot knows about one alarm notification, whatever shape it arrived in (SNS, EventBridge or the
Lambda alarm action).

Single-metric, metric-math, anomaly-detection and composite alarms all become one :class:`AlarmNotification`;
the pipeline, the reason builder and the renderer only ever see this model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AlarmState = Literal["ALARM", "OK", "INSUFFICIENT_DATA"]
AlarmKind = Literal["metric", "metric_math", "anomaly", "composite"]
Source = Literal["sns", "eventbridge", "alarm_action"]
Severity = Literal["critical", "warning", "info", "ok"]

MAX_ALARM_NAME = 255  # CloudWatch's own limit: a longer name cannot come from a real alarm
MAX_DESCRIPTION = 1024  # CloudWatch's AlarmDescription limit
MAX_REASON = 1023  # CloudWatch's StateReason limit


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class MetricRef(_Frozen):
    """One CloudWatch metric with the statistic and period the alarm evaluates it with."""

    namespace: str
    name: str
    dimensions: dict[str, str] = Field(default_factory=dict)
    stat: str = ""
    period: int = 0
    unit: str | None = None


class MetricQueryRef(_Frozen):
    """One entry of a metric-math (or anomaly-detection) alarm's ``Metrics`` list."""

    id: str
    expression: str = ""
    label: str = ""
    metric: MetricRef | None = None
    return_data: bool = True


class TriggeringChild(_Frozen):
    """A composite alarm's child that made the rule true (or false)."""

    name: str
    state: str = ""


class AlarmNotification(_Frozen):
    """A CloudWatch alarm state change, source-independent."""

    message_id: str  # SNS MessageId, EventBridge event id, or the alarm action's alarm ARN + state + time
    source: Source
    alarm_name: str = Field(max_length=MAX_ALARM_NAME, min_length=1)
    alarm_arn: str = ""
    account: str = ""
    region: str = ""
    description: str = ""
    state: AlarmState
    previous_state: AlarmState | None = None
    reason: str = ""
    reason_data: dict[str, Any] | None = None
    changed_at: datetime
    kind: AlarmKind
    metric: MetricRef | None = None  # the metric of a single-metric or anomaly alarm
    queries: list[MetricQueryRef] = Field(default_factory=list)
    threshold: float | None = None
    comparison: str | None = None
    evaluation_periods: int | None = None
    datapoints_to_alarm: int | None = None
    threshold_metric_id: str | None = None
    treat_missing_data: str | None = None
    alarm_rule: str | None = None
    triggering_children: list[TriggeringChild] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """The incident key: one incident (and one Slack message) per alarm."""
        return self.alarm_name

    @property
    def change_key(self) -> str:
        """The state change itself: SNS and EventBridge deliver the same change with different message ids."""
        return f"{self.state}@{self.changed_at.timestamp():.3f}"

    @property
    def period(self) -> int:
        if self.metric and self.metric.period:
            return self.metric.period
        periods = [q.metric.period for q in self.queries if q.metric and q.metric.period]
        return periods[0] if periods else 0

    def metrics(self) -> list[MetricRef]:
        """Every metric the alarm reads (the single metric, or each MetricStat of a math alarm)."""
        found = [self.metric] if self.metric else []
        found += [q.metric for q in self.queries if q.metric and q.metric not in found]
        return found

    def namespaces(self) -> set[str]:
        return {m.namespace for m in self.metrics()}

    def dimension_values(self) -> set[str]:
        return {v for m in self.metrics() for v in m.dimensions.values()}

    def primary_query(self) -> MetricQueryRef | None:
        """The query the alarm compares with its threshold (the returned expression of a math alarm)."""
        returned = [q for q in self.queries if q.return_data and q.id != self.threshold_metric_id]
        return returned[0] if returned else None

    def console_url(self) -> str:
        from urllib.parse import quote

        region = self.region or "us-east-1"
        return (
            f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
            f"#alarmsV2:alarm/{quote(self.alarm_name, safe='')}"
        )


class Outcome(_Frozen):
    """What the pipeline did with one notification: every notification ends in exactly one of these."""

    action: Literal["posted", "threaded", "resolved", "flapping", "grouped", "suppressed", "counted", "duplicate"]
    alarm_name: str
    channel: str = ""
    ts: str = ""
    detail: str = ""
