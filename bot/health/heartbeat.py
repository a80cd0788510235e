"""The alarm function's heartbeat: one item in the state table, rewritten after every alarm batch, that says which
alarm perfbot handled last and when (``health#alarms``). /perf health reads it; a stale one is a warning sign."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.aws.clients import AwsError
from bot.aws.dynamodb import ConditionFailed, Table

logger = logging.getLogger(__name__)

KEY = {"pk": "health#alarms", "sk": "last"}


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
