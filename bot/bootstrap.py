"""Create perfbot's own tables and its audit anchor bucket in whatever AWS endpoint is configured (idempotent).

Production uses serverless.yml; this serves the devstack, the demo and the tests. The schemas match serverless.yml.
"""

from __future__ import annotations

from typing import Any

from bot.aws.clients import client
from bot.settings import Settings

KEY_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]


def table_definitions(settings: Settings) -> list[dict[str, Any]]:
    tables = settings.tables
    return [
        {
            "TableName": tables.state,
            "KeySchema": KEY_SCHEMA,
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gsi1pk", "gsi1sk")
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "gsi1",
                    "KeySchema": [
                        {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                        {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "ttl": "expires_at",
        },
        {
            "TableName": tables.audit,
            "KeySchema": KEY_SCHEMA,
            "AttributeDefinitions": [
                {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "change_id")
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "by_change",
                    "KeySchema": [
                        {"AttributeName": "change_id", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
        {
            "TableName": tables.idempotency,
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
            "ttl": "expiration",
        },
    ]


def bootstrap(settings: Settings) -> list[str]:
    """Create the missing tables (with TTL) and the failed-events queue; returns the names of those created."""
    dynamodb = client("dynamodb", settings.region)
    existing = set(dynamodb.list_tables().get("TableNames", []))
    created = []
    for definition in table_definitions(settings):
        spec = dict(definition)
        ttl_attribute = spec.pop("ttl", None)
        if spec["TableName"] in existing:
            continue
        dynamodb.create_table(**spec)
        dynamodb.get_waiter("table_exists").wait(TableName=spec["TableName"], WaiterConfig={"Delay": 1})
        if ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=spec["TableName"],
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute},
            )
        created.append(spec["TableName"])
    from bot.audit import anchor_bucket
    from bot.aws.s3 import LockedBucket

    bucket = anchor_bucket(settings)
    if LockedBucket(bucket, settings.region).create(settings.audit_anchors.retention_days):
        created.append(bucket)
    queue = settings.queues.failed_events
    if queue and not queue.startswith(("https://", "http://")) and _create_queue(queue, settings.region):
        created.append(queue)
    return created


def _create_queue(name: str, region: str) -> bool:
    """The failed-events queue as serverless.yml defines it (14 days' retention); False when it already exists."""
    sqs = client("sqs", region)
    try:
        sqs.get_queue_url(QueueName=name)
        return False
    except sqs.exceptions.QueueDoesNotExist:
        attributes = {"MessageRetentionPeriod": "1209600", "SqsManagedSseEnabled": "true"}
        sqs.create_queue(QueueName=name, Attributes=attributes)
        return True
