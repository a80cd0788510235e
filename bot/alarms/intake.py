"""From a Lambda event to notifications: SNS records (one or many), EventBridge "CloudWatch Alarm State Change".

The envelopes are validated with Powertools' parser models, each record on its own: a malformed record is logged
with its message id and rejected, the others go on. Each notification runs once per message id (Powertools
idempotency on the idempotency table), so a redelivered SNS message posts nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot.alarms.models import AlarmNotification
from bot.alarms.parse import BadAlarmMessage, from_eventbridge, from_sns_message
from bot.alarms.storm import Tally

logger = logging.getLogger(__name__)

ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"
Deliver = Callable[[AlarmNotification], dict[str, Any]]


@dataclass(frozen=True)
class Rejected:
    message_id: str
    problem: str


def notifications(event: Any) -> list[AlarmNotification | Rejected]:
    """Every record of the event, parsed or rejected (never raising for bad input)."""
    from aws_lambda_powertools.utilities.parser.models import EventBridgeModel, SnsRecordModel

    if not isinstance(event, dict):
        return [Rejected("", "event is not a JSON object")]
    if isinstance(event.get("Records"), list):
        out: list[AlarmNotification | Rejected] = []
        for raw in event["Records"]:
            message_id = _sns_message_id(raw)
            warnings: list[str] = []
            try:
                record = SnsRecordModel.model_validate(raw)
                out.append(from_sns_message(record.Sns.MessageId, str(record.Sns.Message), warnings))
            except ValidationError as exc:
                out.append(
                    Rejected(
                        message_id,
                        f"not an SNS record: {exc.error_count()} problem(s), first: {exc.errors()[0]['msg']}",
                    )
                )
            except BadAlarmMessage as exc:
                out.append(Rejected(message_id, f"not a CloudWatch alarm notification: {exc}"))
            _warn(message_id, warnings)
        return out
    if "detail-type" in event:
        return [_eventbridge(event, EventBridgeModel)]
    return [Rejected(str(event.get("id", "")), "neither SNS records nor an EventBridge event")]


def _eventbridge(event: dict[str, Any], model: Any) -> AlarmNotification | Rejected:
    event_id = str(event.get("id", ""))
    warnings: list[str] = []
    try:
        envelope = model.model_validate(event)
        if envelope.detail_type != ALARM_DETAIL_TYPE or envelope.source != "aws.cloudwatch":
            return Rejected(event_id, f"unexpected EventBridge event {envelope.source}/{envelope.detail_type}")
        detail = envelope.detail if isinstance(envelope.detail, dict) else {}
        parsed = from_eventbridge(envelope.id, envelope.region, envelope.account, envelope.resources, detail, warnings)
    except ValidationError as exc:
        return Rejected(event_id, f"not an EventBridge event: {exc.errors()[0]['msg']}")
    except BadAlarmMessage as exc:
        return Rejected(event_id, f"not a CloudWatch alarm state change: {exc}")
    _warn(event_id, warnings)
    return parsed


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
