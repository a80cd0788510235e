"""One incident per alarm in the state table (``incident#<alarm>``, TTL ``expires_at``): which Slack message belongs to
it, how often it fired, its recent state changes (for flapping), who acknowledged or silenced it, and escalation.

Writes are conditional on a version number, so two notifications handled at once cannot both post a new message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.alarms.models import AlarmNotification, AlarmState, Severity
from bot.aws.dynamodb import Conditional, ConditionFailed, Table

OPEN_INDEX_KEY = "incident#open"
SEEN_CHANGES = 20  # gsi1pk of incidents the escalation task must look at


class Incident(BaseModel):
    alarm_name: str
    channel: str = ""
    ts: str = ""  # the incident's Slack message (or the storm digest it was grouped into)
    grouped: bool = False
    state: AlarmState = "ALARM"
    severity: Severity = "critical"
    opened_at: float = 0.0
    updated_at: float = 0.0
    last_change_at: float = 0.0  # CloudWatch's time of the newest state change applied (late, older ones are counted)
    resolved_at: float | None = None
    count: int = 0  # ALARM notifications of this incident, the first included
    counted: int = 0  # notifications folded into the counter without a post
    last_note_at: float = 0.0
    last_edit_at: float = 0.0
    history: list[tuple[float, str]] = Field(default_factory=list)  # (epoch, state), newest last
    flapping: bool = False
    acked_by: str | None = None
    acked_at: float | None = None
    silenced_by: str | None = None
    silenced_until: float | None = None
    silenced_until_ok: bool = False
    escalated_at: float | None = None
    notification: str = ""  # the latest AlarmNotification as JSON, to re-render the message
    seen: list[str] = Field(default_factory=list)  # recent state changes (state@time): SNS + EventBridge twins
    version: int = 0

    @property
    def key(self) -> str:
        return self.alarm_name

    @property
    def is_open(self) -> bool:
        return self.state != "OK"

    def latest(self) -> AlarmNotification:
        return AlarmNotification.model_validate_json(self.notification)

    def saw(self, change: str) -> bool:
        """Remember a state change; True when it was already seen (the same change delivered twice)."""
        if change in self.seen:
            return True
        self.seen = [*self.seen, change][-SEEN_CHANGES:]
        return False

    def stale_reason(self, n: AlarmNotification) -> str:
        """Why ``n`` tells nothing new: the same change again (via SNS and EventBridge), or an older one, late."""
        if self.saw(n.change_key):
            return "the same state change, delivered again"
        if n.changed_at.timestamp() < self.last_change_at:
            return "an older state change, delivered late"
        return ""

    def silenced(self, now: float) -> bool:
        return bool(self.silenced_until_ok or (self.silenced_until and self.silenced_until > now))

    def minutes_open(self, now: float) -> int:
        end = self.resolved_at if self.resolved_at is not None else now
        return max(0, round((end - self.opened_at) / 60))

    def record_state(self, state: str, at: float, window_s: float) -> None:
        """Append a state change (repeats of the same state are not changes) and forget those outside the window."""
        if not self.history or self.history[-1][1] != state:
            self.history.append((at, state))
        self.history = [(t, s) for t, s in self.history if t >= at - window_s]

    def changes_in_window(self) -> int:
        return len(self.history)

    def needs_escalation(self, now: float, after_s: float) -> bool:
        return (
            self.state == "ALARM"
            and self.acked_by is None
            and self.escalated_at is None
            and not self.silenced(now)
            and not self.grouped
            and bool(self.ts)
            and now - self.opened_at >= after_s
        )


class IncidentStore:
    def __init__(self, table: Table, ttl_days: float = 14) -> None:
        self.table = table
        self.ttl_s = ttl_days * 86400

    @staticmethod
    def key(alarm_name: str) -> dict[str, str]:
        return {"pk": f"incident#{alarm_name}", "sk": "incident"}

    def get(self, alarm_name: str) -> Incident | None:
        item = self.table.get(self.key(alarm_name))
        return from_item(item) if item else None

    def write(self, incident: Incident, now: float) -> Conditional:
        """The conditional put ``save`` makes, for a transaction (the caller bumps ``version`` when it succeeds)."""
        item = to_item(incident.model_copy(update={"version": incident.version + 1}), now + self.ttl_s)
        if incident.version == 0:
            return Conditional(item, "attribute_not_exists(pk)")
        return Conditional(item, "version = :v", values={":v": incident.version})

    def save(self, incident: Incident, now: float) -> Incident:
        """Write if nobody else wrote since we read (version check); raises ConditionFailed otherwise."""
        expected = incident.version
        incident.version = expected + 1
        item = to_item(incident, now + self.ttl_s)
        try:
            if expected == 0:
                self.table.put(item, condition="attribute_not_exists(pk)")
            else:
                self.table.put(item, condition="version = :v", values={":v": expected})
        except ConditionFailed:
            incident.version = expected
            raise
        return incident

    def open_incidents(self) -> list[Incident]:
        items = self.table.query("gsi1pk = :p", {":p": OPEN_INDEX_KEY}, index="gsi1")
        return [from_item(i) for i in items]


def to_item(incident: Incident, expires_at: float) -> dict[str, Any]:
    item = incident.model_dump()
    item["history"] = [[t, s] for t, s in incident.history]
    item |= IncidentStore.key(incident.alarm_name)
    item["expires_at"] = int(expires_at)
    if incident.state == "ALARM":  # listed while firing: escalation picks the unacknowledged, the Home tab shows all
        item["gsi1pk"] = OPEN_INDEX_KEY
        item["gsi1sk"] = datetime.fromtimestamp(incident.opened_at, UTC).isoformat()
    return item


def from_item(item: dict[str, Any]) -> Incident:
    fields = {k: v for k, v in item.items() if k in Incident.model_fields}
    fields["history"] = [(float(t), str(s)) for t, s in item.get("history", [])]
    return Incident.model_validate(fields)
