"""Wiring: the pipeline with its DynamoDB stores, a notifier and the CloudWatch graph, built from settings.

The caller brings the notifier (``bot.slack.delivery.alarms`` builds the Slack one). Notifiers and their per-channel
pacers are kept per process, so pacing spans the invocations of a warm container. ``configure(clock=…, sleep=…)``
lets the benchmark run a storm in simulated time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from bot.alarms.graph import widget_for
from bot.alarms.incidents import IncidentStore
from bot.alarms.maintenance import MaintenanceStore
from bot.alarms.models import AlarmNotification
from bot.alarms.notifier import AlarmNotifier
from bot.alarms.pipeline import AlarmPipeline
from bot.alarms.storm import ChannelPacer, SharedChannelPacer, StormStore
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_notifiers: dict[Hashable, AlarmNotifier] = {}
_clock: Callable[[], float] = time.time
_sleep: Callable[[float], None] = time.sleep


def configure(*, clock: Callable[[], float] | None = None, sleep: Callable[[float], None] | None = None) -> None:
    """Replace the wall clock (tests and the storm benchmark); ``configure()`` restores it."""
    global _clock, _sleep
    with _lock:
        _clock, _sleep = clock or time.time, sleep or time.sleep
        _notifiers.clear()


def now() -> float:
    return _clock()


def notifier(key: Hashable, build: Callable[[ChannelPacer], AlarmNotifier], settings: Settings) -> AlarmNotifier:
    """The notifier kept for ``key`` (a chat workspace and token) in this process, built once with its channel pacer."""
    from bot.aws.dynamodb import Table

    with _lock:
        if key not in _notifiers:
            table = Table(settings.tables.state, settings.region)
            cfg = settings.alarms
            pacer = SharedChannelPacer(table, cfg.post_interval_s, _clock, _sleep, cfg.max_note_backlog_s)
            _notifiers[key] = build(pacer)
        return _notifiers[key]


def stores(settings: Settings) -> tuple[IncidentStore, MaintenanceStore, StormStore]:
    from bot.aws.dynamodb import Table

    table = Table(settings.tables.state, settings.region)
    ttl = settings.alarms.incident_ttl_days
    return IncidentStore(table, ttl), MaintenanceStore(table, ttl), StormStore(table, settings.alarms.storm_window_s)


def graph_source(settings: Settings) -> Callable[[AlarmNotification], bytes | None]:
    def graph(n: AlarmNotification) -> bytes | None:
        from bot.aws.cloudwatch import CloudWatchGateway

        widget = widget_for(n, settings.alarms.graph_hours)
        return CloudWatchGateway(n.region or settings.region).widget_image(widget) if widget else None

    return graph


def build_pipeline(settings: Settings | None = None, *, notify: AlarmNotifier, **overrides: Any) -> AlarmPipeline:
    settings = settings or get_settings()
    incidents, maintenance, storms = stores(settings)
    return AlarmPipeline(
        settings=settings,
        incidents=incidents,
        maintenance=maintenance,
        storms=storms,
        notifier=notify,
        graph=overrides.get("graph") or graph_source(settings),
        clock=overrides.get("clock") or _clock,
    )
