"""CloudWatch gateway: metric queries (one GetMetricData call per report), widget images, alarms.

Typed in and out; botocore errors become :class:`bot.aws.AwsError` here and nowhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.aws.clients import client, failing_as

MAX_QUERIES_PER_CALL = 500  # GetMetricData's documented limit


@dataclass(frozen=True)
class MetricQuery:
    """One MetricDataQuery: either a metric with a statistic, or a metric-math expression over other ids."""

    id: str
    namespace: str = ""
    metric: str = ""
    dimensions: tuple[tuple[str, str], ...] = ()
    stat: str = "Average"
    period: int = 300
    expression: str = ""
    label: str = ""
    return_data: bool = True

    def to_api(self) -> dict[str, Any]:
        query: dict[str, Any] = {"Id": self.id, "ReturnData": self.return_data}
        if self.label:
            query["Label"] = self.label
        if self.expression:
            query["Expression"] = self.expression
            query["Period"] = self.period
            return query
        query["MetricStat"] = {
            "Metric": {
                "Namespace": self.namespace,
                "MetricName": self.metric,
                "Dimensions": [{"Name": n, "Value": v} for n, v in self.dimensions],
            },
            "Period": self.period,
            "Stat": self.stat,
        }
        return query


@dataclass
class Series:
    """A query's result, oldest first. ``complete`` is False when CloudWatch did not return all of it."""

    id: str
    label: str
    timestamps: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    complete: bool = True

    @property
    def latest(self) -> float | None:
        return self.values[-1] if self.values else None


class CloudWatchGateway:
    def __init__(self, region: str | None = None) -> None:
        self._client = client("cloudwatch", region)

    def get_metric_data(self, queries: list[MetricQuery], start: datetime, end: datetime) -> dict[str, Series]:
        """Run ``queries`` in ONE GetMetricData call (following NextToken pages of that same request).

        Results come back ascending by time; a query missing from the answer is reported incomplete, never as zeros.
        """
        if len(queries) > MAX_QUERIES_PER_CALL:
            raise ValueError(f"{len(queries)} queries exceed GetMetricData's {MAX_QUERIES_PER_CALL} per call")
        request: dict[str, Any] = {
            "MetricDataQueries": [q.to_api() for q in queries],
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        series: dict[str, Series] = {}
        with failing_as("GetMetricData"):
            while True:
                page = self._client.get_metric_data(**request)
                for result in page.get("MetricDataResults", []):
                    current = series.setdefault(result["Id"], Series(id=result["Id"], label=result.get("Label", "")))
                    current.timestamps.extend(result.get("Timestamps", []))
                    current.values.extend(float(v) for v in result.get("Values", []))
                    # PartialData on a page that has a NextToken only means "more pages follow"
                    current.complete = result.get("StatusCode", "Complete") == "Complete"
                token = page.get("NextToken")
                if not token:
                    break
                request["NextToken"] = token
        for s in series.values():
            pairs = sorted(zip(s.timestamps, s.values, strict=True))
            s.timestamps, s.values = [t for t, _ in pairs], [v for _, v in pairs]
        for q in queries:
            if q.return_data and q.id not in series:
                series[q.id] = Series(id=q.id, label=q.label, complete=False)
        return series

    def top_contributors(
        self, rule: str, start: datetime, end: datetime, *, period_s: int = 3600, count: int = 5
    ) -> list[tuple[str, float]]:
        """A Contributor Insights rule's top contributors over the window: (their keys joined, their sum), largest
        first (GetInsightRuleReport; a DynamoDB rule's keys are the partition key values)."""
        with failing_as(f"GetInsightRuleReport {rule}"):
            answer = self._client.get_insight_rule_report(
                RuleName=rule, StartTime=start, EndTime=end, Period=period_s, MaxContributorCount=count, OrderBy="Sum"
            )
        found = [
            (" / ".join(str(k) for k in c.get("Keys") or ()), float(c.get("ApproximateAggregateValue") or 0.0))
            for c in answer.get("Contributors") or ()
        ]
        return sorted(found, key=lambda kv: -kv[1])[:count]

    def widget_image(self, widget: dict[str, Any]) -> bytes:
        """A PNG graph of the widget (the CloudWatch dashboard widget JSON format)."""
        with failing_as("GetMetricWidgetImage"):
            answer = self._client.get_metric_widget_image(MetricWidget=json.dumps(widget), OutputFormat="png")
        return bytes(answer["MetricWidgetImage"])

    def describe_alarms(self, names: list[str]) -> list[dict[str, Any]]:
        """Metric and composite alarms by name."""
        with failing_as("DescribeAlarms"):
            answer = self._client.describe_alarms(AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        return list(answer.get("MetricAlarms", [])) + list(answer.get("CompositeAlarms", []))
