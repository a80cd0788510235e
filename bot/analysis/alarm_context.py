"""What the Analyze button on an alarm knows: the alarm's service, its text (untrusted), and its Slack thread."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase

from bot.settings import Settings

logger = logging.getLogger(__name__)

# Alarms that ask for scaling ahead of the load (the guide's Predictive-Scaling-Trigger): their Analyze puts this kind
# first and says why when it proposes nothing.
FOCUS_BY_ALARM = {"Predictive-*": "scheduled_provisioned_concurrency"}


@dataclass(frozen=True)
class AlarmContext:
    service: str
    text: str  # alarm name, state, description, reason: outside text, fenced as untrusted in the prompt
    thread: tuple[str, str] | None = None  # (channel, ts) of the incident's message
    focus: str | None = None  # the change kind this alarm asks for (FOCUS_BY_ALARM)


def focus_of(alarm_name: str) -> str | None:
    return next((kind for glob, kind in FOCUS_BY_ALARM.items() if fnmatchcase(alarm_name, glob)), None)


def alarm_context(settings: Settings, alarm_name: str) -> AlarmContext:
    """The incident's latest notification decides the service; without one, the first configured service."""
    context = _context(settings, alarm_name)
    return replace(context, focus=focus_of(alarm_name))


def _context(settings: Settings, alarm_name: str) -> AlarmContext:
    fallback_service = settings.service_names[0] if settings.service_names else ""
    if not alarm_name:
        return AlarmContext(service=fallback_service, text="")
    try:
        from bot.alarms.routing import service_of
        from bot.alarms.service import stores

        incident = stores(settings)[0].get(alarm_name)
    except Exception:  # the incident store is context, not a precondition of an analysis
        logger.exception("alarm_context_unreadable", extra={"alarm": alarm_name})
        return AlarmContext(service=fallback_service, text=f"Alarm name: {alarm_name}")
    if incident is None or not incident.notification:
        return AlarmContext(service=fallback_service, text=f"Alarm name: {alarm_name}")
    notification = incident.latest()
    service = service_of(notification, settings)
    text = "\n".join(
        [
            f"Alarm name: {notification.alarm_name}",
            f"State: {notification.state} (was {notification.previous_state})",
            f"Description: {notification.description}",
            f"Reason: {notification.reason}",
        ]
    )
    thread = (incident.channel, incident.ts) if incident.channel and incident.ts else None
    return AlarmContext(service=service.name if service else fallback_service, text=text, thread=thread)
