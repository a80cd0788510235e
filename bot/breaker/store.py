"""Where breaker state lives: a protocol with an in-memory and a DynamoDB implementation.

Both implement optimistic locking: ``save_if_version`` writes only when the stored version is still the one
the caller read, so two containers tripping the same breaker at once cannot overwrite each other's update.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any, Protocol

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from bot.aws.clients import client
from bot.breaker.errors import BreakerStoreError
from bot.breaker.models import BreakerStatus

PK_PREFIX = "breaker#"
SK = "state"
INDEX_PK = "breaker"  # gsi1pk of every breaker item, so all breakers can be listed with one query


class BreakerStore(Protocol):
    def load(self, key: str) -> BreakerStatus | None:
        """The stored status, or None when this breaker has never been written."""

    def save_if_version(self, status: BreakerStatus, expected_version: int) -> bool:
        """Write ``status`` if the stored version equals ``expected_version`` (0: not stored yet).

        Returns False on a version conflict; raises BreakerStoreError on any other failure.
        """

    def list_all(self) -> list[BreakerStatus]:
        """Every stored breaker, sorted by key."""


class InMemoryBreakerStore:
    """Thread-safe store for tests and single-process use."""

    def __init__(self) -> None:
        self._items: dict[str, BreakerStatus] = {}
        self._lock = threading.Lock()

    def load(self, key: str) -> BreakerStatus | None:
        with self._lock:
            return self._items.get(key)

    def save_if_version(self, status: BreakerStatus, expected_version: int) -> bool:
        with self._lock:
            stored = self._items.get(status.key)
            if (stored.version if stored else 0) != expected_version:
                return False
            self._items[status.key] = status
            return True

    def list_all(self) -> list[BreakerStatus]:
        with self._lock:
            return [self._items[key] for key in sorted(self._items)]


_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, list):
        return [_to_dynamo(v) for v in value]
    return value


def to_item(status: BreakerStatus) -> dict[str, Any]:
    """The DynamoDB item (low-level attribute values) of a status; None fields are left out."""
    fields = {k: _to_dynamo(v) for k, v in status.model_dump(mode="json").items() if v is not None}
    fields |= {"pk": PK_PREFIX + status.key, "sk": SK, "gsi1pk": INDEX_PK, "gsi1sk": status.key}
    return {name: _serializer.serialize(value) for name, value in fields.items()}


def from_item(item: dict[str, Any]) -> BreakerStatus:
    fields = {name: _deserializer.deserialize(value) for name, value in item.items()}
    for name in ("pk", "sk", "gsi1pk", "gsi1sk"):
        fields.pop(name, None)
    return BreakerStatus.model_validate(fields)


class DynamoBreakerStore:
    """Breaker state in perfbot's state table: ``pk="breaker#<key>"``, ``sk="state"``, snake_case fields."""

    def __init__(self, table_name: str, *, dynamodb: Any = None) -> None:
        self.table_name = table_name
        self._dynamodb = dynamodb

    @property
    def dynamodb(self) -> Any:
        if self._dynamodb is None:
            self._dynamodb = client("dynamodb")
        return self._dynamodb

    def load(self, key: str) -> BreakerStatus | None:
        try:
            response = self.dynamodb.get_item(TableName=self.table_name, Key=self._key(key), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise BreakerStoreError(f"reading breaker {key!r} from {self.table_name} failed: {exc}") from exc
        item = response.get("Item")
        return from_item(item) if item else None

    def save_if_version(self, status: BreakerStatus, expected_version: int) -> bool:
        if expected_version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "version = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
            }
        try:
            self.dynamodb.put_item(TableName=self.table_name, Item=to_item(status), **condition)
        except (ClientError, BotoCoreError) as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                return False
            message = f"writing breaker {status.key!r} to {self.table_name} failed: {exc}"
            raise BreakerStoreError(message) from exc
        return True

    def list_all(self) -> list[BreakerStatus]:
        statuses: list[BreakerStatus] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": INDEX_PK}},
        }
        try:
            while True:
                page = self.dynamodb.query(**kwargs)
                statuses.extend(from_item(item) for item in page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except (ClientError, BotoCoreError) as exc:
            raise BreakerStoreError(f"listing breakers in {self.table_name} failed: {exc}") from exc
        return sorted(statuses, key=lambda s: s.key)

    @staticmethod
    def _key(key: str) -> dict[str, Any]:
        return {"pk": {"S": PK_PREFIX + key}, "sk": {"S": SK}}
