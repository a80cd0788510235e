"""Lambda entry point for CloudWatch alarms: SNS records, EventBridge "CloudWatch Alarm State Change" events and
CloudWatch's Lambda alarm action.

Translation only: records → :mod:`bot.alarms.intake` → the alarm pipeline, with perfbot's Lambda logging, metrics and
tracing (:mod:`bot.observability`). Returns what happened to every record. Redeliveries and the same state change
arriving by several paths are recognised by the incident itself (its conditional write is keyed by the alarm and
remembers each state change it applied), so no separate idempotency record is written in front of it.
"""

from __future__ import annotations

import logging
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from bot import observability
from bot.alarms import intake
from bot.alarms.models import AlarmNotification

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


@metrics.log_metrics
@observability.lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = event.get("Records") if isinstance(event, dict) else None
    with observability.traced("alarm_batch", records=len(records) if isinstance(records, list) else 1):
        summary = intake.process(event, _deliver())
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
