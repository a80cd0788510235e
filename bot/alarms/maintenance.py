"""Maintenance mode: `/perf maintenance on [service] [duration] | off [service] | status`, or the
`System-Maintenance-Mode` alarm in ALARM.

While it is on — everywhere, or for one configured service's alarms — alarm notifications are recorded
(``maintenance#global`` / ``suppressed#<window>#…``) instead of posted; when the last maintenance ends — by command, by
the alarm returning to OK, or by the duration running out — the suppressed notifications are summarised once (a
conditional write makes sure only one process does it). Who may switch it is the Slack side's business (approvers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    services: dict[str, float] = Field(default_factory=dict)  # service name → until (maintenance of one service)
    services_by: dict[str, str] = Field(default_factory=dict)
    started_at: float | None = None  # the suppression window (None: no maintenance in progress)

    def everywhere(self, now: float) -> bool:
        return self.alarm_on or bool(self.manual_until and self.manual_until > now)

    def services_on(self, now: float) -> dict[str, float]:
        return {name: until for name, until in self.services.items() if until > now}

    def active(self, now: float) -> bool:
        """Any maintenance at all (the suppression window stays open while one is on)."""
        return self.everywhere(now) or bool(self.services_on(now))

    def suppresses(self, service: str | None, now: float) -> bool:
        """Whether an alarm of ``service`` (None: no configured service) is recorded instead of posted now."""
        return self.everywhere(now) or (service is not None and self.services.get(service, 0.0) > now)

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
        self,
        now: float,
        *,
        until: float | None = None,
        by: str | None = None,
        alarm: bool = False,
        service: str | None = None,
    ) -> Maintenance:
        current = self.get()
        state = current.model_copy(deep=True)
        if until is not None and service is not None:
            state.services[service] = until
            state.services_by[service] = by or ""
        elif until is not None:
            state.manual_until, state.manual_by = until, by
        if alarm:
            state.alarm_on = True
        if state.started_at is None:
            state.started_at = now
        self._write(state, current)
        return state

    def stop(
        self,
        now: float,
        *,
        manual: bool = False,
        alarm: bool = False,
        ended_by: str,
        user: str | None = None,
        service: str | None = None,
    ) -> MaintenanceSummary | None:
        """Switch one source off (``manual``: the command's, everywhere or for ``service``); when nothing keeps
        maintenance on any more, close the window and summarise it."""
        current = self.get()
        state = current.model_copy(deep=True)
        if manual and service is not None:
            state.services.pop(service, None)
            state.services_by.pop(service, None)
        elif manual:
            state.manual_until, state.manual_by = None, None
            state.services, state.services_by = {}, {}
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
        """One suppressed state change (keyed by the change itself: its twins by other paths and redeliveries
        overwrite it, so the summary counts each change once)."""
        self.table.put(
            {
                "pk": STATE_KEY["pk"],
                "sk": f"suppressed#{started_at:.3f}#{n.alarm_name}#{n.change_key}",
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
        "services": state.services_on(now),
        "started_at": state.started_at,
    }


class MaintenanceCommandError(ValueError):
    """Bad `/perf maintenance` arguments; the message is shown to the user."""


MAX_ECHO = 40  # characters of the user's own words quoted back in an error (the rest is cut)


def _quoted(word: str) -> str:
    return word if len(word) <= MAX_ECHO else word[: MAX_ECHO - 1] + "…"


@dataclass(frozen=True)
class MaintenanceCommand:
    verb: str  # on | off | status
    service: str | None = None
    seconds: float = DEFAULT_DURATION_S

    @property
    def changes_state(self) -> bool:
        return self.verb in ("on", "off")


def parse_command(args: list[str], services: list[str]) -> MaintenanceCommand:
    """`on [service] [duration]` | `off [service]` | `status` (none: status); errors quote at most a few words."""
    if not args:
        return MaintenanceCommand("status")
    verb, rest = args[0].lower(), args[1:]
    if verb == "status" and not rest:
        return MaintenanceCommand("status")
    if verb not in ("on", "off") or len(rest) > (2 if verb == "on" else 1):
        shown = " ".join(_quoted(a) for a in args[:3]) + (" …" if len(args) > 3 else "")
        raise MaintenanceCommandError(f"unknown maintenance command `{shown}`")
    service, seconds = None, float(DEFAULT_DURATION_S)
    for word in rest:
        if word in services and service is None:
            service = word
        elif verb == "on":
            try:
                seconds = parse_duration(word)
            except DurationError as exc:
                known = ", ".join(services) or "none configured"
                raise MaintenanceCommandError(
                    f"`{_quoted(word)}` is neither a service ({known}) nor a duration: {exc}"
                ) from exc
        else:
            raise MaintenanceCommandError(f"`{_quoted(word)}` is not a configured service ({', '.join(services)})")
    return MaintenanceCommand(verb, service, seconds)


def run_command(
    store: MaintenanceStore, command: MaintenanceCommand, user: str, now: float
) -> tuple[Maintenance, MaintenanceSummary | None]:
    """The state after the command and, when it ended the last maintenance, the summary."""
    if command.verb == "on":
        return store.start(now, until=now + command.seconds, by=user, service=command.service), None
    if command.verb == "off":
        summary = store.stop(now, manual=True, ended_by="it was switched off", user=user, service=command.service)
        return store.get(), summary
    return store.get(), None
