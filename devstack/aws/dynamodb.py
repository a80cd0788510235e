"""Atomic conditional writes in moto's DynamoDB.

DynamoDB evaluates a ConditionExpression and applies the write atomically per item. moto's server handles requests
on several threads and checks the condition, then writes, without a lock — two racing conditional writes can both
"win". perfbot's exactly-once promises (proposal transitions, breaker versions, audit chain) rest on that atomicity,
so every write path is serialised here, as DynamoDB's per-item guarantee requires.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_write_lock = threading.RLock()
WRITE_METHODS = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _write_lock:
            return method(*args, **kwargs)

    locked.__perfbot_serialised__ = True  # type: ignore[attr-defined]
    return locked


def apply() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITE_METHODS:
        method = getattr(DynamoDBBackend, name, None)
        if method is not None and not getattr(method, "__perfbot_serialised__", False):
            setattr(DynamoDBBackend, name, _serialised(method))
