"""Where breaker state lives: a protocol with an in-memory and a DynamoDB implementation.

Both implement optimistic locking: ``save_if_version`` writes only when the stored version is still the one
the caller read, so two containers tripping the same breaker at once cannot overwrite each other's update.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from bot.aws.clients import AwsError
from bot.aws.dynamodb import ConditionFailed, Table
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


def to_item(status: BreakerStatus) -> dict[str, Any]:
    """The state-table item of a status (plain values; None fields are left out by the table gateway)."""
    keys = {"pk": PK_PREFIX + status.key, "sk": SK, "gsi1pk": INDEX_PK, "gsi1sk": status.key}
    return status.model_dump(mode="json") | keys


def from_item(item: dict[str, Any]) -> BreakerStatus:
    return BreakerStatus.model_validate({k: v for k, v in item.items() if k not in ("pk", "sk", "gsi1pk", "gsi1sk")})


class DynamoBreakerStore:
    """Breaker state in perfbot's state table: ``pk="breaker#<key>"``, ``sk="state"``, snake_case fields."""

    def __init__(self, table_name: str, *, region: str | None = None) -> None:
        self.table_name = table_name
        self._region = region
        self._table: Table | None = None

    @property
    def table(self) -> Table:
        if self._table is None:  # the client is built on first use, not when a report merely names the store
            self._table = Table(self.table_name, self._region)
        return self._table

    def load(self, key: str) -> BreakerStatus | None:
        try:
            item = self.table.get({"pk": PK_PREFIX + key, "sk": SK})
        except AwsError as exc:
            raise BreakerStoreError(f"reading breaker {key!r} from {self.table_name} failed: {exc}") from exc
        return from_item(item) if item else None

    def save_if_version(self, status: BreakerStatus, expected_version: int) -> bool:
        try:
            if expected_version == 0:
                self.table.put(to_item(status), condition="attribute_not_exists(pk)")
            else:
                self.table.put(to_item(status), condition="version = :expected", values={":expected": expected_version})
        except ConditionFailed:
            return False
        except AwsError as exc:
            raise BreakerStoreError(f"writing breaker {status.key!r} to {self.table_name} failed: {exc}") from exc
        return True

    def list_all(self) -> list[BreakerStatus]:
        try:
            items = list(self.table.query("gsi1pk = :pk", {":pk": INDEX_PK}, index="gsi1"))
        except AwsError as exc:
            raise BreakerStoreError(f"listing breakers in {self.table_name} failed: {exc}") from exc
        return sorted((from_item(item) for item in items), key=lambda s: s.key)
