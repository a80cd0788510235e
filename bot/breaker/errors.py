"""The breaker's exceptions: callers catch one type per failure mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.breaker.models import BreakerStatus


class CircuitOpenError(Exception):
    """The breaker is OPEN: the call was not attempted, so the failing dependency gets time to recover."""

    def __init__(self, status: BreakerStatus) -> None:
        retry = f"; trial calls from {status.half_open_at:.0f}" if status.half_open_at is not None else ""
        super().__init__(f"circuit {status.key!r} is {status.state.value}{retry}")
        self.status = status


class BreakerStoreError(Exception):
    """Reading or writing the shared breaker state failed (DynamoDB error, or endless write conflicts)."""
