"""Maintenance mode: `/perf maintenance on [duration] | off | status`, or the `System-Maintenance-Mode` alarm in ALARM.

While it is on, alarm notifications are recorded (``maintenance#global`` / ``suppressed#<window>#…``) instead of posted;
when it ends — by command, by the alarm returning to OK, or by the duration running out — the suppressed
notifications are summarised once (a conditional write makes sure only one process does it).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from bot.alarms.models import AlarmNotification
from bot.aws.dynamodb import ConditionFailed, Table

STATE_KEY = {"pk": "maintenance#global", "sk": "state"}
MAX_DURATION_S = 7 * 86400
DEFAULT_DURATION_S = 3600
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?$", re.IGNORECASE)
_UNIT_S = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}


class DurationError(ValueError):
    pass


def parse_duration(text: str) -> float:
    """``30m``, ``2h``, ``1d``, ``90s`` (bare numbers are minutes); between one minute and seven days."""
    found = _DURATION.match(text.strip())
    if not found:
        raise DurationError(f"`{text}` is not a duration; try 30m, 2h or 1d")
    seconds = float(found.group(1)) * _UNIT_S[(found.group(2) or "m").lower()]
    if not 60 <= seconds <= MAX_DURATION_S:
        raise DurationError("maintenance lasts between 1 minute and 7 days")
    return seconds


class Maintenance(BaseModel):
    manual_until: float | None = None
    manual_by: str | None = None
    alarm_on: bool = False
    started_at: float | None = None  # the suppression window (None: no maintenance in progress)

    def active(self, now: float) -> bool:
        return self.alarm_on or bool(self.manual_until and self.manual_until > now)

    def expired(self, now: float) -> bool:
        return self.started_at is not None and not self.active(now)


def maintenance_from_item(item: dict[str, Any] | None) -> Maintenance:
    return Maintenance.model_validate({k: v for k, v in (item or {}).items() if k in Maintenance.model_fields})


class SuppressedAlarm(BaseModel):
    alarm_name: str
    count: int
    last_state: str
    last_reason: str = ""


class MaintenanceSummary(BaseModel):
    started_at: float
    ended_at: float
    ended_by: str
    user: str | None = None  # who switched it off (a Slack user id), when a person did
    total: int = 0
    alarms: list[SuppressedAlarm] = Field(default_factory=list)


class MaintenanceStore:
    def __init__(self, table: Table, ttl_days: float = 14) -> None:
        self.table = table
        self.ttl_s = ttl_days * 86400

    def get(self) -> Maintenance:
        return maintenance_from_item(self.table.get(STATE_KEY))

    def _write(self, state: Maintenance, previous: Maintenance) -> None:
        """Conditional on the window we read, so a concurrent start/stop is not lost silently."""
        item = STATE_KEY | state.model_dump()
        if previous.started_at is None:
            self.table.put(item, condition="attribute_not_exists(started_at)")
        else:
            self.table.put(item, condition="started_at = :s", values={":s": previous.started_at})

    def start(
        self, now: float, *, until: float | None = None, by: str | None = None, alarm: bool = False
    ) -> Maintenance:
        current = self.get()
        state = current.model_copy()
        if until is not None:
            state.manual_until, state.manual_by = until, by
        if alarm:
            state.alarm_on = True
        if state.started_at is None:
            state.started_at = now
        self._write(state, current)
        return state

    def stop(
        self, now: float, *, manual: bool = False, alarm: bool = False, ended_by: str, user: str | None = None
    ) -> MaintenanceSummary | None:
        """Switch one source off; when nothing keeps maintenance on any more, close the window and summarise it."""
        current = self.get()
        state = current.model_copy()
        if manual:
            state.manual_until, state.manual_by = None, None
        if alarm:
            state.alarm_on = False
        return self._close_or_keep(current, state, now, ended_by, user)

    def close_if_expired(self, now: float) -> MaintenanceSummary | None:
        current = self.get()
        if not current.expired(now):
            return None
        return self._close_or_keep(current, current.model_copy(), now, "the maintenance window ran out")

    def _close_or_keep(
        self, current: Maintenance, state: Maintenance, now: float, ended_by: str, user: str | None = None
    ) -> MaintenanceSummary | None:
        if current.started_at is None:
            return None
        if state.active(now):
            self._write(state, current)
            return None
        window = current.started_at
        state = Maintenance()
        try:
            self._write(state, current)
        except ConditionFailed:
            return None  # someone else closed this window and summarises it
        return self.summary(window, now, ended_by).model_copy(update={"user": user})

    def record(self, n: AlarmNotification, started_at: float, now: float) -> None:
        self.table.put(
            {
                "pk": STATE_KEY["pk"],
                "sk": f"suppressed#{started_at:.3f}#{now:.6f}#{n.message_id}",
                "alarm_name": n.alarm_name,
                "state": n.state,
                "reason": n.reason[:500],
                "at": now,
                "expires_at": int(now + self.ttl_s),
            }
        )

    def summary(self, started_at: float, now: float, ended_by: str) -> MaintenanceSummary:
        items = self.table.query(
            "pk = :p AND begins_with(sk, :s)", {":p": STATE_KEY["pk"], ":s": f"suppressed#{started_at:.3f}#"}
        )
        per_alarm: dict[str, SuppressedAlarm] = {}
        total = 0
        for item in items:
            total += 1
            entry = per_alarm.get(item["alarm_name"])
            if entry is None:
                entry = per_alarm[item["alarm_name"]] = SuppressedAlarm(
                    alarm_name=item["alarm_name"], count=0, last_state=item["state"]
                )
            entry.count += 1
            entry.last_state, entry.last_reason = item["state"], item.get("reason", "")
        alarms = sorted(per_alarm.values(), key=lambda a: (a.last_state != "ALARM", -a.count, a.alarm_name))
        return MaintenanceSummary(started_at=started_at, ended_at=now, ended_by=ended_by, total=total, alarms=alarms)


def status_fields(state: Maintenance, now: float) -> dict[str, Any]:
    """What `/perf maintenance status` reports."""
    return {
        "active": state.active(now),
        "manual_until": state.manual_until if state.manual_until and state.manual_until > now else None,
        "manual_by": state.manual_by,
        "alarm_on": state.alarm_on,
        "started_at": state.started_at,
    }


class MaintenanceCommandError(ValueError):
    """Bad `/perf maintenance` arguments; the message is shown to the user."""


def run_command(
    store: MaintenanceStore, args: list[str], user: str, now: float
) -> tuple[Maintenance, MaintenanceSummary | None]:
    """`on [duration]` | `off` | `status` → the state after the command and, when it ended maintenance, the summary."""
    verb = args[0].lower() if args else "status"
    if verb == "on":
        if len(args) > 2:
            raise MaintenanceCommandError("`on` takes at most one duration, e.g. `on 2h`")
        try:
            seconds = parse_duration(args[1]) if len(args) == 2 else DEFAULT_DURATION_S
        except DurationError as exc:
            raise MaintenanceCommandError(str(exc)) from exc
        return store.start(now, until=now + seconds, by=user), None
    if verb == "off" and len(args) == 1:
        summary = store.stop(now, manual=True, ended_by="it was switched off", user=user)
        return store.get(), summary
    if verb == "status" and len(args) == 1:
        return store.get(), None
    raise MaintenanceCommandError(f"unknown maintenance command `{' '.join(args)}`")
