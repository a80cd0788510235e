"""From a Lambda event to notifications: SNS records (one or many), EventBridge "CloudWatch Alarm State Change", or
CloudWatch's Lambda alarm action (``source: aws.cloudwatch`` with ``alarmData``).

The envelopes are validated (Powertools' parser models for SNS and EventBridge), each record on its own: a malformed
record — whatever is wrong with it — is logged with its message id and rejected, the others go on. A redelivered
notification, or the same state change arriving by another path, posts nothing new (see the alarms handler).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.alarms.models import AlarmNotification
from bot.alarms.parse import BadAlarmMessage, from_alarm_action, from_eventbridge, from_sns_message
from bot.alarms.storm import Tally

logger = logging.getLogger(__name__)

ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"
Deliver = Callable[[AlarmNotification], dict[str, Any]]


@dataclass(frozen=True)
class Rejected:
    message_id: str
    problem: str


def notifications(event: Any) -> list[AlarmNotification | Rejected]:
    """Every record of the event, parsed or rejected, each on its own (never raising for bad input)."""
    if not isinstance(event, dict):
        return [Rejected("", "event is not a JSON object")]
    if isinstance(event.get("Records"), list):
        return [_parsed(_sns_message_id(raw), _sns, raw) for raw in event["Records"]]
    if "alarmData" in event:
        return [_parsed(_alarm_action_id(event), _alarm_action, event)]
    if "detail-type" in event:
        return [_parsed(str(event.get("id", ""))[:100], _eventbridge, event)]
    return [Rejected(str(event.get("id", ""))[:100], "neither SNS records, an EventBridge event nor an alarm action")]


def _parsed(
    message_id: str, parse: Callable[[Any, list[str]], AlarmNotification], raw: Any
) -> AlarmNotification | Rejected:
    """One record → a notification, or a rejection naming the record and what is wrong with it."""
    warnings: list[str] = []
    try:
        parsed = parse(raw, warnings)
    except ValidationError as exc:
        return Rejected(message_id, f"{exc.error_count()} problem(s), first: {_first(exc)}")
    except BadAlarmMessage as exc:
        return Rejected(message_id, f"not a CloudWatch alarm notification: {exc}")
    except Exception as exc:  # hostile input must cost this record only, never the batch
        logger.exception("alarm_record_unparseable", extra={"message_id": message_id})
        return Rejected(message_id, f"unparseable record ({type(exc).__name__})")
    _warn(message_id, warnings)
    return parsed


def _sns(raw: Any, warnings: list[str]) -> AlarmNotification:
    from aws_lambda_powertools.utilities.parser.models import SnsRecordModel

    try:
        record = SnsRecordModel.model_validate(raw)
    except ValidationError as exc:
        raise BadAlarmMessage(f"not an SNS record: {_first(exc)}") from exc
    return from_sns_message(record.Sns.MessageId, str(record.Sns.Message), warnings)


def _eventbridge(event: dict[str, Any], warnings: list[str]) -> AlarmNotification:
    from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

    try:
        envelope = EventBridgeModel.model_validate(event)
    except ValidationError as exc:
        raise BadAlarmMessage(f"not an EventBridge event: {_first(exc)}") from exc
    if envelope.detail_type != ALARM_DETAIL_TYPE or envelope.source != "aws.cloudwatch":
        raise BadAlarmMessage(f"unexpected EventBridge event {envelope.source[:60]}/{envelope.detail_type[:60]}")
    detail = envelope.detail if isinstance(envelope.detail, dict) else {}
    return from_eventbridge(envelope.id, envelope.region, envelope.account, envelope.resources, detail, warnings)


def _alarm_action(event: dict[str, Any], warnings: list[str]) -> AlarmNotification:
    return from_alarm_action(event, warnings)


def _first(exc: ValidationError) -> str:
    errors = exc.errors()
    return str(errors[0]["msg"])[:200] if errors else "invalid"


def _alarm_action_id(event: dict[str, Any]) -> str:
    arn = event.get("alarmArn")
    return f"alarm-action:{arn[-200:]}" if isinstance(arn, str) else "alarm-action"


def process(event: Any, deliver: Deliver) -> dict[str, Any]:
    """Run ``deliver`` for each notification; returns the batch summary (what happened to every record)."""
    items = notifications(event)
    tally, failed = Tally(), []
    for item in items:
        if isinstance(item, Rejected):
            logger.error("alarm_record_rejected", extra={"message_id": item.message_id, "problem": item.problem})
            tally["rejected"] += 1
            continue
        try:
            result = deliver(item)
        except Exception as exc:  # one record's failure (Slack/AWS down) must not cost the others
            logger.exception("alarm_record_failed", extra={"message_id": item.message_id, "alarm": item.alarm_name})
            tally["failed"] += 1
            failed.append(f"{item.message_id}: {type(exc).__name__}")
            continue
        tally["duplicate" if result.get("duplicate") else result["action"]] += 1
    return tally.summary(len(items)) | {"failures": failed}


def _sns_message_id(raw: Any) -> str:
    sns = raw.get("Sns") if isinstance(raw, dict) else None
    value = sns.get("MessageId") if isinstance(sns, dict) else None
    return value[:100] if isinstance(value, str) else ""


def _warn(message_id: str, warnings: list[str]) -> None:
    for warning in warnings:
        logger.warning("alarm_field_oversized", extra={"message_id": message_id, "problem": warning})
