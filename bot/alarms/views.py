"""What the pipeline hands the renderer: an incident with everything its message shows, and thread notes.

Slack-free on purpose (the renderer in bot/slack/render/alarms.py turns these into Block Kit and escapes them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.alarms import reasons, routing
from bot.alarms.incidents import Incident
from bot.alarms.maintenance import MaintenanceSummary
from bot.alarms.models import AlarmNotification
from bot.settings import Settings

NoteKind = Literal[
    "repeat", "resolved", "reopened", "no_data", "flapping", "acked", "silenced", "escalated", "grouped", "maintenance"
]


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    notification: AlarmNotification
    reason: str  # plain words, built from CloudWatch's data (still outside text: escaped when rendered)
    now: float
    runbook_url: str | None = None
    service: str | None = None
    observed: str | None = None
    threshold: str | None = None
    flapping_window_min: float = 30


@dataclass(frozen=True)
class Note:
    """A thread reply about an incident."""

    kind: NoteKind
    alarm_name: str
    reason: str = ""
    user: str | None = None
    count: int = 0
    minutes: int = 0
    until: float | None = None
    mention: str = ""  # from perfbot.yml (trusted): e.g. <!here> or <!subteam^S123>
    broadcast: bool = False


@dataclass(frozen=True)
class DigestView:
    """A storm digest: many distinct alarms in one channel within the storm window."""

    channel: str
    started_at: float
    window_s: float
    count: int
    alarms: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MaintenanceView:
    """Maintenance started (``summary`` None) or ended (with what was suppressed meanwhile)."""

    now: float
    active: bool
    until: float | None = None
    by: str | None = None
    alarm_on: bool = False
    summary: MaintenanceSummary | None = None
    services: dict[str, float] = field(default_factory=dict)  # service → until, maintenance of single services
    usage: str = ""  # shown under the status when `/perf maintenance` came without a verb


def incident_view(settings: Settings, incident: Incident, n: AlarmNotification, now: float) -> IncidentView:
    """Everything the incident's message shows, worked out from the latest notification and the config."""
    service = routing.service_of(n, settings)
    unit = reasons.unit_of(n)
    observed, threshold = reasons.observed_value(n), reasons.threshold_value(n)
    return IncidentView(
        incident=incident,
        notification=n,
        reason=reasons.explain(n),
        now=now,
        runbook_url=routing.runbook_for(n, settings),
        service=service.name if service else None,
        observed=reasons.with_unit(observed, unit) if observed is not None else None,
        threshold=reasons.with_unit(threshold, unit) if threshold is not None and n.kind != "anomaly" else None,
        flapping_window_min=settings.alarms.flapping_window_min,
    )
