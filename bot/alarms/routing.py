"""Which channel an alarm goes to, which service it belongs to, how severe it is — all from perfbot.yml."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from bot.alarms.models import AlarmNotification, Severity
from bot.settings import Service, Settings

_URL = re.compile(r"https://[^\s<>\"'|]+")


def service_of(n: AlarmNotification, settings: Settings) -> Service | None:
    """The configured service whose API, function or table the alarm's dimensions name."""
    values = n.dimension_values()
    for service in settings.services:
        names = {f.name for f in service.lambda_functions} | {t.name for t in service.dynamodb_tables}
        if service.api:
            names.add(service.api.name)
        if values & names:
            return service
    return None


def channel_for(n: AlarmNotification, settings: Settings) -> str:
    """First route whose every given field matches (service, alarm-name glob, namespace); else the alarm channel."""
    service = service_of(n, settings)
    for route in settings.slack.routes:
        if route.service is not None and (service is None or service.name != route.service):
            continue
        if route.alarm_name is not None and not fnmatchcase(n.alarm_name, route.alarm_name):
            continue
        if route.namespace is not None and route.namespace not in n.namespaces():
            continue
        return route.channel
    return settings.slack.alarm_channel


def severity_of(n: AlarmNotification, settings: Settings) -> Severity:
    if n.state == "OK":
        return "ok"
    if n.state == "INSUFFICIENT_DATA":
        return "info"
    if n.kind == "anomaly" or any(fnmatchcase(n.alarm_name, p) for p in settings.alarms.warning_alarms):
        return "warning"
    return "critical"


def runbook_for(n: AlarmNotification, settings: Settings) -> str | None:
    """The service's configured runbook, else the first https URL in the alarm description."""
    service = service_of(n, settings)
    if service and service.runbook_url:
        return service.runbook_url
    found = _URL.search(n.description)
    return found.group(0).rstrip(".,);") if found else None
