"""The alarm function's heartbeat: one item in the state table that says which alarm perfbot handled last and when
(``health#alarms``). /perf health reads it; a stale one is a warning sign.

Each container rewrites it at most once a minute (``EVERY_S``), not after every batch: in an alarm storm, where
each notification is its own batch, a write per batch was a third of all DynamoDB requests (bench P4: 2.66 requests
per notification instead of 1.66). The item is at most a minute behind the last alarm a container handled."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from bot.aws.clients import AwsError
from bot.aws.dynamodb import ConditionFailed, Table

logger = logging.getLogger(__name__)

KEY = {"pk": "health#alarms", "sk": "last"}
EVERY_S = 60.0

_pace_lock = threading.Lock()
_written_at: float | None = None  # this container's last heartbeat write (monotonic seconds)


def due(now: float | None = None) -> bool:
    """True when this container has not written the heartbeat in the last ``EVERY_S`` (and claims the write)."""
    global _written_at  # noqa: PLW0603 — one pace per warm container
    now = time.monotonic() if now is None else now
    with _pace_lock:
        if _written_at is not None and now - _written_at < EVERY_S:
            return False
        _written_at = now
        return True


def reset_pace() -> None:
    """Forget the last write (a new container; tests)."""
    global _written_at  # noqa: PLW0603
    with _pace_lock:
        _written_at = None


@dataclass(frozen=True)
class HandledAlarm:
    alarm_name: str
    state: str  # the notification's state (ALARM, OK, INSUFFICIENT_DATA)
    action: str  # what the pipeline did: posted, noted, counted, duplicate, …
    at: float  # epoch seconds, when perfbot handled it


class Heartbeat:
    def __init__(self, table: Table) -> None:
        self.table = table

    def record(self, handled: HandledAlarm) -> None:
        """Best effort: a failed write is logged, never costs the alarm batch (its messages are already posted).
        A batch that finished earlier than the recorded one (concurrent containers) leaves the newer record."""
        item = {"alarm_name": handled.alarm_name, "state": handled.state, "action": handled.action, "at": handled.at}
        try:
            self.table.put(
                KEY | item, condition="attribute_not_exists(pk) OR #at <= :at", names={"#at": "at"},
                values={":at": handled.at},
            )  # fmt: skip
        except ConditionFailed:
            pass  # a newer alarm is already recorded
        except AwsError:
            logger.warning("heartbeat_not_recorded", exc_info=True)

    def last_alarm(self) -> HandledAlarm | None:
        item = self.table.get(KEY)
        if not item:
            return None
        return HandledAlarm(
            alarm_name=str(item["alarm_name"]),
            state=str(item["state"]),
            action=str(item["action"]),
            at=float(item["at"]),
        )
