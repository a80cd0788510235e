"""People acting on incidents (Acknowledge, Silence) and the escalation of ALARMs nobody acknowledged.

Each action is a conditional incident update (one click wins), then the original message is re-rendered and the
thread says who did what.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.alarms.incidents import Incident
from bot.alarms.pipeline import AlarmPipeline
from bot.alarms.views import Note
from bot.aws.dynamodb import ConditionFailed

logger = logging.getLogger(__name__)

SILENCE_HOUR_S = 3600


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str  # shown to the clicking user (ephemeral) when nothing changed
    incident: Incident | None = None


def _load(pipeline: AlarmPipeline, key: str) -> Incident | None:
    incident = pipeline.incidents.get(key)
    return incident if incident is not None and incident.ts and not incident.grouped else None


def _refresh(pipeline: AlarmPipeline, incident: Incident, note: Note, now: float) -> None:
    pipeline.notifier.update_incident(incident.channel, incident.ts, pipeline.view(incident, incident.latest(), now))
    pipeline.notifier.post_note(incident.channel, incident.ts, note)


def acknowledge(pipeline: AlarmPipeline, key: str, user: str) -> ActionResult:
    now = pipeline.clock()
    incident = _load(pipeline, key)
    if incident is None:
        return ActionResult(False, "This alarm has no open incident any more.")
    if incident.acked_by:
        return ActionResult(False, f"Already acknowledged by <@{incident.acked_by}>.", incident)
    incident.acked_by, incident.acked_at, incident.updated_at = user, now, now
    try:
        pipeline.incidents.save(incident, now)
    except ConditionFailed:
        return ActionResult(False, "The incident changed at the same moment; please try again.")
    _refresh(pipeline, incident, Note(kind="acked", alarm_name=incident.alarm_name, user=user), now)
    return ActionResult(True, "Acknowledged.", incident)


def silence(pipeline: AlarmPipeline, key: str, user: str, *, until_ok: bool) -> ActionResult:
    now = pipeline.clock()
    incident = _load(pipeline, key)
    if incident is None or incident.state == "OK":
        return ActionResult(False, "This alarm has no open incident to silence.")
    incident.silenced_by, incident.updated_at = user, now
    if until_ok:
        incident.silenced_until_ok = True
    else:
        incident.silenced_until = now + SILENCE_HOUR_S
    try:
        pipeline.incidents.save(incident, now)
    except ConditionFailed:
        return ActionResult(False, "The incident changed at the same moment; please try again.")
    until = None if until_ok else incident.silenced_until
    _refresh(pipeline, incident, Note(kind="silenced", alarm_name=incident.alarm_name, user=user, until=until), now)
    return ActionResult(True, "Silenced.", incident)


def escalate_due(pipeline: AlarmPipeline) -> dict[str, object]:
    """Escalate, once, every ALARM nobody acknowledged within ``escalation_after_min``."""
    cfg = pipeline.settings.alarms
    now = pipeline.clock()
    escalated: list[str] = []
    for incident in pipeline.incidents.open_incidents():
        if not incident.needs_escalation(now, cfg.escalation_after_min * 60):
            continue
        incident.escalated_at = now
        try:
            pipeline.incidents.save(incident, now)  # conditional: a concurrent ack or escalation wins
        except ConditionFailed:
            continue
        minutes = round((now - incident.opened_at) / 60)
        note = Note(
            kind="escalated",
            alarm_name=incident.alarm_name,
            minutes=minutes,
            mention=cfg.escalation_mention,
            broadcast=True,
        )
        _refresh(pipeline, incident, note, now)
        escalated.append(incident.alarm_name)
    summary = pipeline.maintenance.close_if_expired(now)
    if summary is not None:
        from bot.alarms.views import MaintenanceView

        pipeline.notifier.post_maintenance(
            pipeline.notifier.channel_id(pipeline.settings.slack.alarm_channel),
            MaintenanceView(now=now, active=False, summary=summary),
        )
    return {"escalated": escalated, "maintenance_summarised": summary is not None}
