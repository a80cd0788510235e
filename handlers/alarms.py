"""Lambda entry point for CloudWatch alarms: SNS records, EventBridge "CloudWatch Alarm State Change" events and
CloudWatch's Lambda alarm action.

Translation only: records → :mod:`bot.alarms.intake` → the alarm pipeline, with perfbot's Lambda logging, metrics and
tracing (:mod:`bot.observability`). Returns what happened to every record. Redeliveries and the same state change
arriving by several paths are recognised by the incident itself (its conditional write is keyed by the alarm and
remembers each state change it applied), so no separate idempotency record is written in front of it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from bot import observability
from bot.alarms import intake
from bot.alarms.models import AlarmNotification
from bot.health import heartbeat
from bot.health.heartbeat import HandledAlarm

logger = logging.getLogger(__name__)
metrics = Metrics(namespace=observability.metrics_namespace(), service="alarms")


def _deliver() -> intake.Deliver:
    """The pipeline on the configured tables and Slack workspace (settings read per invocation)."""
    from bot.settings import get_settings
    from bot.slack.delivery.alarms import alarm_pipeline

    pipeline = alarm_pipeline(get_settings())

    def deliver(n: AlarmNotification) -> dict[str, Any]:
        return pipeline.process(n).model_dump()

    return deliver


def _noting(deliver: intake.Deliver, handled: list[HandledAlarm]) -> intake.Deliver:
    """``deliver``, remembering each handled alarm for the heartbeat (/perf health's "last alarm handled")."""

    def note(n: AlarmNotification) -> dict[str, Any]:
        result = deliver(n)
        action = "duplicate" if result.get("duplicate") else str(result.get("action", ""))
        handled.append(HandledAlarm(n.alarm_name, n.state, action, time.time()))
        return result

    return note


def _record_heartbeat(handled: list[HandledAlarm]) -> None:
    from bot.aws.dynamodb import Table
    from bot.health.heartbeat import Heartbeat
    from bot.settings import get_settings

    settings = get_settings()
    Heartbeat(Table(settings.tables.state, settings.region)).record(handled[-1])


@metrics.log_metrics
@observability.lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    handled: list[HandledAlarm] = []
    records = event.get("Records") if isinstance(event, dict) else None
    with observability.traced("alarm_batch", records=len(records) if isinstance(records, list) else 1):
        summary = intake.process(event, _noting(_deliver(), handled))
        if handled and heartbeat.due():
            _record_heartbeat(handled)
    for action, count in summary.items():
        if action not in ("received", "accounted", "failures") and count:
            metrics.add_metric(name=f"Alarm_{action}", unit=MetricUnit.Count, value=count)
    logger.info("alarm_batch_done", extra={"summary": summary})
    if summary.get("failed"):
        # transient trouble (Slack or AWS): fail the invocation so Lambda retries; delivered records are deduplicated
        raise AlarmDeliveryFailed(f"{summary['failed']} record(s) failed: {', '.join(summary['failures'])}")
    return summary


class AlarmDeliveryFailed(RuntimeError):
    pass
