"""The daily SLA digest: the whole SLA report over the last 24 h for every service, for the digest channel."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.reports.sla import build_sla_report

if TYPE_CHECKING:
    from bot.reports.models import SlaReport
    from bot.settings import Settings

DIGEST_WINDOW = "24h"


def build_digest(settings: Settings, *, now: datetime | None = None) -> SlaReport:
    return build_sla_report(settings, None, DIGEST_WINDOW, now=now)


def channel_for_service(settings: Settings, service: str) -> str:
    """Where a finding about ``service`` goes: its route in ``slack.routes``, else the alarm channel."""
    for route in settings.slack.routes:
        if route.service == service and route.alarm_name is None and route.namespace is None:
            return route.channel
    return settings.slack.alarm_channel
