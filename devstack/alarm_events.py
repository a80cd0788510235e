"""What CloudWatch would send when an alarm changes state: SNS records and EventBridge events in AWS's documented
formats, built from an alarm definition (DescribeAlarms' shape). moto never evaluates alarms, so the demo, the tests
and the benchmark use these to drive ``handlers.alarms.handler`` the way CloudWatch → SNS → Lambda would.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

ACCOUNT = "123456789012"
SIGNATURE = "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem"
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "Europe (Ireland)", "us-west-2": "US West (Oregon)"}
_WORDS = {
    "GreaterThanThreshold": "greater than",
    "GreaterThanOrEqualToThreshold": "greater than or equal to",
    "LessThanThreshold": "less than",
    "LessThanOrEqualToThreshold": "less than or equal to",
}


def cw_time(at: datetime) -> str:
    """CloudWatch's timestamp format in alarm messages: ``2026-11-26T18:55:12.461+0000``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}+0000"


def _dims(dimensions: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"value": d["Value"], "name": d["Name"]} for d in dimensions]


def trigger(alarm: dict[str, Any]) -> dict[str, Any]:
    trigger: dict[str, Any] = {
        "Period": alarm.get("Period", 0),
        "EvaluationPeriods": alarm.get("EvaluationPeriods", 1),
        "DatapointsToAlarm": alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods", 1)),
        "ComparisonOperator": alarm.get("ComparisonOperator"),
        "Threshold": alarm.get("Threshold"),
        "TreatMissingData": alarm.get("TreatMissingData", ""),
        "EvaluateLowSampleCountPercentile": alarm.get("EvaluateLowSampleCountPercentile", ""),
    }
    if alarm.get("ThresholdMetricId"):
        trigger["ThresholdMetricId"] = alarm["ThresholdMetricId"]
        trigger.pop("Threshold")
    if alarm.get("Metrics"):
        queries = []
        for q in alarm["Metrics"]:
            query = {k: v for k, v in q.items() if k in ("Id", "Expression", "Label", "ReturnData")}
            if "MetricStat" in q:
                stat = q["MetricStat"]
                metric = stat["Metric"]
                query["MetricStat"] = {
                    "Metric": {
                        "Dimensions": _dims(metric.get("Dimensions", [])),
                        "MetricName": metric["MetricName"],
                        "Namespace": metric["Namespace"],
                    },
                    "Period": stat["Period"],
                    "Stat": stat["Stat"],
                }
            queries.append(query)
        trigger["Metrics"] = queries
        return trigger
    extended = alarm.get("ExtendedStatistic")
    return {
        "MetricName": alarm["MetricName"],
        "Namespace": alarm["Namespace"],
        "StatisticType": "ExtendedStatistic" if extended else "Statistic",
        **({"ExtendedStatistic": extended} if extended else {"Statistic": str(alarm.get("Statistic", "")).upper()}),
        "Unit": alarm.get("Unit"),
        "Dimensions": _dims(alarm.get("Dimensions", [])),
        **trigger,
    }


def threshold_reason(alarm: dict[str, Any], state: str, observed: float, at: datetime) -> str:
    """CloudWatch's NewStateReason for a threshold alarm (its exact wording)."""
    if state == "INSUFFICIENT_DATA":
        return "Insufficient Data: 1 datapoint was unknown."
    words = _WORDS.get(alarm.get("ComparisonOperator", ""), "greater than")
    stamp = at.astimezone(UTC).strftime("%d/%m/%y %H:%M:%S")
    n = alarm.get("DatapointsToAlarm") or alarm.get("EvaluationPeriods", 1)
    m = alarm.get("EvaluationPeriods", 1)
    was = "was" if state == "ALARM" else "was not"
    transition = "OK -> ALARM" if state == "ALARM" else "ALARM -> OK"
    return (
        f"Threshold Crossed: {n} out of the last {m} datapoints [{observed!r} ({stamp})] {was} {words} the threshold "
        f"({float(alarm.get('Threshold') or 0)!r}) (minimum {n} datapoint{'s' if n != 1 else ''} for {transition} "
        "transition)."
    )


def alarm_message(
    alarm: dict[str, Any], state: str, *, previous: str, at: datetime, observed: float = 0.0, region: str = "us-east-1"
) -> dict[str, Any]:
    """The JSON CloudWatch publishes to SNS for ``alarm`` changing to ``state``."""
    name = alarm["AlarmName"]
    arn = alarm.get("AlarmArn") or f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"
    message: dict[str, Any] = {
        "AlarmName": name,
        "AlarmDescription": alarm.get("AlarmDescription"),
        "AWSAccountId": ACCOUNT,
        "AlarmConfigurationUpdatedTimestamp": cw_time(at),
        "NewStateValue": state,
        "StateChangeTime": cw_time(at),
        "Region": REGION_NAMES.get(region, region),
        "AlarmArn": arn,
        "OldStateValue": previous,
        "OKActions": alarm.get("OKActions", []),
        "AlarmActions": alarm.get("AlarmActions", []),
        "InsufficientDataActions": alarm.get("InsufficientDataActions", []),
    }
    if alarm.get("AlarmRule"):
        message["AlarmRule"] = alarm["AlarmRule"]
        message["NewStateReason"] = alarm.get("StateReason") or f"Composite alarm {name} transitioned to {state}"
        return message
    message["NewStateReason"] = threshold_reason(alarm, state, observed, at)
    message["Trigger"] = trigger(alarm)
    return message


def _subject(message: dict[str, Any]) -> str:
    """SNS Subject as CloudWatch sets it (SNS caps subjects at 100 characters)."""
    return f'{message.get("NewStateValue")}: "{message.get("AlarmName")}" in {message.get("Region")}'[:100]


def sns_event(
    messages: list[dict[str, Any]],
    *,
    message_ids: list[str] | None = None,
    topic: str = f"arn:aws:sns:us-east-1:{ACCOUNT}:perfbot-dev-alerts",
) -> dict[str, Any]:
    """An SNS → Lambda event with one record per CloudWatch message (SNS sends one; tests send batches too)."""
    records = []
    for i, message in enumerate(messages):
        message_id = message_ids[i] if message_ids else str(uuid.uuid4())
        subscription = f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"
        records.append(
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription,
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": topic,
                    "Subject": _subject(message),
                    "Message": json.dumps(message),
                    "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                    "SignatureVersion": "1",
                    "Signature": SIGNATURE,
                    "SigningCertUrl": CERT_URL,
                    "UnsubscribeUrl": f"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription}",
                    "MessageAttributes": {},
                },
            }
        )
    return {"Records": records}


# --- the same state change as EventBridge and the Lambda alarm action send it ---------------------------------------
def _eb_metric_stat(stat: dict[str, Any]) -> dict[str, Any]:
    metric = stat["Metric"]
    return {
        "metric": {
            "namespace": metric["Namespace"],
            "name": metric["MetricName"],
            "dimensions": {d["name"]: d["value"] for d in metric.get("Dimensions", [])},
        },
        "period": stat.get("Period", 0),
        "stat": stat.get("Stat", ""),
    }


def _eb_metrics(trigger: dict[str, Any]) -> list[dict[str, Any]]:
    if trigger.get("Metrics"):
        out = []
        for q in trigger["Metrics"]:
            query: dict[str, Any] = {"id": q["Id"], "returnData": q.get("ReturnData", True)}
            if q.get("Expression"):
                query["expression"] = q["Expression"]
            if q.get("Label"):
                query["label"] = q["Label"]
            if q.get("MetricStat"):
                query["metricStat"] = _eb_metric_stat(q["MetricStat"])
            out.append(query)
        return out
    stat = trigger.get("ExtendedStatistic") or str(trigger.get("Statistic", "")).title().replace("_", "")
    single = {
        "Metric": {k: trigger[k] for k in ("Namespace", "MetricName")} | {"Dimensions": trigger.get("Dimensions", [])},
        "Period": trigger.get("Period", 0),
        "Stat": stat,
    }
    return [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, trigger["MetricName"])),
            "metricStat": _eb_metric_stat(single),
            "returnData": True,
        }
    ]


def _reason_data(message: dict[str, Any], observed: float | None) -> str | None:
    trigger = message.get("Trigger")
    if not trigger or trigger.get("Metrics") or observed is None:
        return None
    data = {
        "version": "1.0",
        "queryDate": message["StateChangeTime"],
        "period": trigger.get("Period", 0),
        "recentDatapoints": [observed],
        "threshold": trigger.get("Threshold"),
    }
    return json.dumps(data)


def alarm_data(message: dict[str, Any], observed: float | None = None) -> dict[str, Any]:
    """The ``detail`` of EventBridge's "CloudWatch Alarm State Change" (= the alarm action's ``alarmData``) for the
    state change an SNS-format CloudWatch ``message`` describes."""
    state: dict[str, Any] = {
        "value": message["NewStateValue"],
        "reason": message.get("NewStateReason", ""),
        "timestamp": message["StateChangeTime"],
    }
    reason_data = _reason_data(message, observed)
    if reason_data:
        state["reasonData"] = reason_data
    configuration: dict[str, Any] = {}
    if message.get("AlarmDescription"):
        configuration["description"] = message["AlarmDescription"]
    if message.get("AlarmRule"):
        configuration["alarmRule"] = message["AlarmRule"]
    else:
        configuration["metrics"] = _eb_metrics(message["Trigger"])
    detail: dict[str, Any] = {"alarmName": message["AlarmName"], "state": state, "configuration": configuration}
    if message.get("OldStateValue"):
        detail["previousState"] = {
            "value": message["OldStateValue"],
            "reason": "",
            "timestamp": message["StateChangeTime"],
        }
    return detail


def eventbridge_event(
    message: dict[str, Any], *, observed: float | None = None, event_id: str | None = None
) -> dict[str, Any]:
    """What EventBridge delivers to the alarms function for the same state change as ``message``."""
    arn = message["AlarmArn"]
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": message.get("AWSAccountId", ACCOUNT),
        "time": message["StateChangeTime"][:19] + "Z",
        "region": arn.split(":")[3],
        "resources": [arn],
        "detail": alarm_data(message, observed),
    }


def alarm_action_event(message: dict[str, Any], *, observed: float | None = None) -> dict[str, Any]:
    """What CloudWatch sends when the alarm's action is the Lambda function itself, for the same state change."""
    arn = message["AlarmArn"]
    return {
        "source": "aws.cloudwatch",
        "alarmArn": arn,
        "accountId": message.get("AWSAccountId", ACCOUNT),
        "time": message["StateChangeTime"],
        "region": arn.split(":")[3],
        "alarmData": alarm_data(message, observed),
    }
