"""Lambda entry point for CloudWatch alarms: SNS records and EventBridge "CloudWatch Alarm State Change" events.

Translation only: records → :mod:`bot.alarms.intake` → the alarm pipeline, once per message id (Powertools
idempotency), with perfbot's Lambda logging, metrics and tracing (:mod:`bot.observability`). Returns what happened to
every record.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from bot import observability
from bot.alarms import intake
from bot.alarms.models import AlarmNotification
from bot.health.heartbeat import HandledAlarm

if TYPE_CHECKING:
    from bot.alarms.pipeline import StateRead

logger = logging.getLogger(__name__)
metrics = Metrics(namespace=observability.metrics_namespace(), service="alarms")
idempotency = IdempotencyConfig(
    event_key_jmespath="message_id",
    expires_after_seconds=3 * 86400,  # well beyond SNS's and Lambda's retry windows
    response_hook=lambda response, _record: {**response, "duplicate": True},
    use_local_cache=True,  # a redelivery to the same warm container is answered from memory, not DynamoDB
)
# one persistence layer per table and client: each new one registers another User-Agent hook on the shared client,
# so building it per invocation ran every later DynamoDB request through one more hook (1,000 after 1,000 invocations)
_stores: dict[tuple[str, Any], DynamoDBPersistenceLayer] = {}


def _store(table_name: str, dynamodb: Any) -> DynamoDBPersistenceLayer:
    key = (table_name, dynamodb)
    if key not in _stores:
        _stores.clear()  # a new client (tests reset them) replaces the old one's layer
        _stores[key] = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)
    return _stores[key]


def _reader() -> ThreadPoolExecutor:
    """One background thread per container for the state read that overlaps Powertools' in-progress claim."""
    global _read_pool  # noqa: PLW0603 - created on first use, kept for the container's lifetime
    if _read_pool is None:
        _read_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alarm-state-read")
    return _read_pool


_read_pool: ThreadPoolExecutor | None = None


def _deliver_once(context: Any) -> intake.Deliver:
    """The pipeline behind Powertools idempotency, on the configured table and endpoint (read per invocation)."""
    from bot.aws.clients import client
    from bot.settings import get_settings
    from bot.slack.delivery.alarms import alarm_pipeline

    settings = get_settings()
    store = _store(settings.tables.idempotency, client("dynamodb", settings.region))
    idempotency.register_lambda_context(context)
    pipeline = alarm_pipeline(settings)

    reads: dict[str, Future[StateRead]] = {}

    @idempotent_function(data_keyword_argument="record", persistence_store=store, config=idempotency)
    def deliver_alarm(record: dict[str, Any]) -> dict[str, Any]:
        read = reads.get(record["message_id"])
        notification = AlarmNotification.model_validate(record["notification"])
        return pipeline.process(notification, state=read.result() if read else None).model_dump()

    def deliver(n: AlarmNotification) -> dict[str, Any]:
        # the incident/maintenance/storm read does not depend on the idempotency claim: run both round trips at once
        # (a duplicate only wastes the read; the incident write stays conditional on the version read)
        if n.alarm_name != settings.alarms.maintenance_alarm:  # that one decides from its own read
            reads[n.message_id] = _reader().submit(pipeline.read_state, n)
        try:
            return deliver_alarm(record={"message_id": n.message_id, "notification": n.model_dump(mode="json")})
        finally:
            reads.pop(n.message_id, None)

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
    with observability.traced("alarm_batch", records=len(event.get("Records") or [event])):
        summary = intake.process(event, _noting(_deliver_once(context), handled))
        if handled:
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
