"""Cool-down: the hourly analysis does not propose again what was just rejected or undone.

The audit log already records every rejection (``rejected``) and every undo (``rolled_back``) with its kind and
resource; a recommendation of the same kind for the same resource within ``COOL_DOWN_H`` of such an event is held
back, and the result's notes say which, why and until when (shown with the hourly post and in the task's report).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.analysis.models import AnalysisResult
from bot.audit import AuditEvent, AuditLog

logger = logging.getLogger(__name__)

COOL_DOWN_H = 72.0
COOLING_ACTIONS = ("rejected", "rolled_back")
RECENT_EVENTS = 500  # how far back the audit log is read (newest first)


@dataclass(frozen=True)
class CoolDown:
    kind: str
    resource: str
    action: str
    actor: str
    at: datetime

    @property
    def until(self) -> datetime:
        return self.at + timedelta(hours=COOL_DOWN_H)

    def note(self) -> str:
        verb = "rejected" if self.action == "rejected" else "undone"
        return (
            f"{self.kind} on {self.resource} held back: {verb} by {self.actor} at {self.at:%Y-%m-%d %H:%M} UTC; "
            f"cool-down until {self.until:%Y-%m-%d %H:%M} UTC."
        )


def _at(event: AuditEvent) -> datetime:
    at = datetime.fromisoformat(event.at)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def cool_downs(events: Iterable[AuditEvent], now: datetime) -> dict[tuple[str, str], CoolDown]:
    """(kind, resource) → the latest rejection or undo still cooling down at ``now``."""
    found: dict[tuple[str, str], CoolDown] = {}
    for event in events:
        if event.action not in COOLING_ACTIONS or not event.kind or not event.resource:
            continue
        at = _at(event)
        key = (event.kind, event.resource)
        if now - at < timedelta(hours=COOL_DOWN_H) and (key not in found or found[key].at < at):
            found[key] = CoolDown(event.kind, event.resource, event.action, event.actor, at)
    return found


def hold_back(result: AnalysisResult, log: AuditLog, now: datetime | None = None) -> AnalysisResult:
    """``result`` without the recommendations under cool-down, with a note for each one held back."""
    now = now or datetime.now(UTC)
    try:
        cooling = cool_downs(log.latest(RECENT_EVENTS), now)
    except Exception as exc:  # the audit log is context here: an unreadable one must not stop the analysis
        logger.warning("cool_down_unreadable", extra={"service": result.service, "error": str(exc)})
        return result.model_copy(update={"notes": [*result.notes, f"could not read the audit log: {exc}"]})
    kept, notes = [], list(result.notes)
    for rec in result.recommendations:
        held = cooling.get((rec.kind, rec.target))
        if held is None:
            kept.append(rec)
        else:
            notes.append(held.note())
    return result.model_copy(update={"recommendations": kept, "notes": notes})
