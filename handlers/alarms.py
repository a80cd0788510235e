"""Lambda entry point for CloudWatch alarms: SNS records and EventBridge "CloudWatch Alarm State Change" events.

Translation only: records → :mod:`bot.alarms.intake` → the alarm pipeline, once per message id (Powertools
idempotency), with Powertools logging and metrics. Returns what happened to every record.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from bot.alarms import intake
from bot.alarms.models import AlarmNotification

logger = Logger(service="perfbot-alarms")
metrics = Metrics(namespace="perfbot", service="alarms")
idempotency = IdempotencyConfig(
    event_key_jmespath="message_id",
    expires_after_seconds=3 * 86400,  # well beyond SNS's and Lambda's retry windows
    response_hook=lambda response, _record: {**response, "duplicate": True},
)


def _deliver_once(context: Any) -> intake.Deliver:
    """The pipeline behind Powertools idempotency, on the configured table and endpoint (read per invocation)."""
    from bot.alarms.service import build_pipeline
    from bot.aws.clients import client
    from bot.settings import get_settings

    settings = get_settings()
    store = DynamoDBPersistenceLayer(
        table_name=settings.tables.idempotency, boto3_client=client("dynamodb", settings.region)
    )
    idempotency.register_lambda_context(context)
    pipeline = build_pipeline(settings)

    @idempotent_function(data_keyword_argument="record", persistence_store=store, config=idempotency)
    def deliver_alarm(record: dict[str, Any]) -> dict[str, Any]:
        outcome = pipeline.process(AlarmNotification.model_validate(record["notification"]))
        return outcome.model_dump()

    return lambda n: deliver_alarm(record={"message_id": n.message_id, "notification": n.model_dump(mode="json")})


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    summary = intake.process(event, _deliver_once(context))
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
