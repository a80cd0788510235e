"""ApplicationMetrics items: what the monitored service itself records in its DynamoDB table.

One ``performance_summary`` item per five minutes (the numbers a human would want in a table row) plus one
``circuit_breaker_transition`` item per breaker state change, keyed by ServiceName + ISO-8601 Timestamp so the
``ServiceNameIndex`` query of the seed returns them newest first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.table import BatchWriter
from boto3.dynamodb.types import TypeSerializer

from devstack.simulator.breaker_story import BreakerStory
from devstack.simulator.distribution import Distribution
from devstack.simulator.traffic import Minute

SUMMARY_EVERY_MIN = 5
KEYS = ["ServiceName", "Timestamp"]
_serializer = TypeSerializer()


def iso(at: datetime | float) -> str:
    """Millisecond ISO-8601 in UTC (sorts lexically, like JavaScript's toISOString)."""
    moment = at if isinstance(at, datetime) else datetime.fromtimestamp(at, tz=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _number(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


def summary_item(service: str, scenario: str, window: list[Minute]) -> dict[str, Any]:
    requests = sum(m.requests for m in window)
    errors_5xx = sum(m.errors_5xx for m in window)
    latency = Distribution.merge(m.latency for m in window)
    duration = Distribution.merge(m.duration for m in window)
    dynamo = Distribution.merge(m.dynamodb_latency for m in window)
    p95 = latency.percentile(95) if latency else 0.0
    metadata = {
        "requests": requests,
        "qps": _number(requests / (60 * len(window))),
        "errors_4xx": sum(m.errors_4xx for m in window),
        "errors_5xx": errors_5xx,
        "availability_pct": _number(100 * (1 - errors_5xx / requests) if requests else 100.0),
        "latency_p50_ms": _number(latency.percentile(50) if latency else 0.0),
        "latency_p99_ms": _number(latency.percentile(99) if latency else 0.0),
        "lambda_p95_ms": _number(duration.percentile(95) if duration else 0.0),
        "dynamodb_p95_ms": _number(dynamo.percentile(95) if dynamo else 0.0),
        "cold_starts": sum(m.cold_starts for m in window),
        "breaker_efficiency_pct": _number(min(m.breaker_efficiency for m in window)),
        "cache_hit_rate_pct": _number(sum(m.cache_hit_rate for m in window) / len(window)),
        "source": "simulator",
        "scenario": scenario,
    }
    return {
        "ServiceName": service,
        "Timestamp": iso(window[0].at),
        "MetricType": "performance_summary",
        "Value": _number(p95),
        "Unit": "Milliseconds",
        "Metadata": metadata,
    }


def breaker_items(service: str, breaker_key: str, story: BreakerStory) -> list[dict[str, Any]]:
    return [
        {
            "ServiceName": service,
            "Timestamp": iso(event.at),
            "MetricType": "circuit_breaker_transition",
            "Value": event.failure_count,
            "Unit": "Count",
            "Metadata": {
                "breaker_key": breaker_key,
                "from_state": event.from_state.value,
                "to_state": event.to_state.value,
                "source": "simulator",
            },
        }
        for event in story.events
    ]


def application_items(
    service: str, scenario: str, breaker_key: str, minutes: list[Minute], story: BreakerStory
) -> list[dict[str, Any]]:
    summaries = [
        summary_item(service, scenario, minutes[i : i + SUMMARY_EVERY_MIN])
        for i in range(0, len(minutes), SUMMARY_EVERY_MIN)
    ]
    return summaries + breaker_items(service, breaker_key, story)


def forget_items(dynamodb: Any, table: str, service: str) -> int:
    """Delete the service's items (an earlier simulation's), so a new simulation replaces them; how many."""
    keys: list[dict[str, Any]] = []
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="ServiceName = :service",
        ExpressionAttributeValues={":service": {"S": service}},
        ProjectionExpression="ServiceName, #ts",
        ExpressionAttributeNames={"#ts": "Timestamp"},
    )
    for page in pages:
        keys += page.get("Items", [])
    with BatchWriter(table, dynamodb) as batch:
        for key in keys:
            batch.delete_item(Key=key)
    return len(keys)


def write_items(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> int:
    """BatchWriteItem in 25s, resending unprocessed items (boto3's batch writer over our shared client)."""
    with BatchWriter(table, dynamodb, overwrite_by_pkeys=KEYS) as batch:
        for item in items:
            batch.put_item(Item={name: _serializer.serialize(value) for name, value in item.items()})
    return len(items)
