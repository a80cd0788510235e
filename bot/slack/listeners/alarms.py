"""Alarm message buttons (Acknowledge, Silence 1 h, Silence until OK) and `/perf maintenance`.

Ack path rule: only stdlib, Bolt and bot.slack.commands / render.kit at module level; the incident store, settings and
the pipeline are imported inside the lazy functions. Button values carry only the incident key (the alarm name).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, Respond

from bot.slack import messages
from bot.slack.commands import Invocation, Reply, UsageError, subcommand
from bot.slack.errors import guarded
from bot.slack.listeners.acks import ack_at_once

logger = logging.getLogger(__name__)

ACK_ACTION = "alarm_ack"
SILENCE_HOUR_ACTION = "alarm_silence_1h"
SILENCE_OK_ACTION = "alarm_silence_until_ok"


def _clicked(body: dict[str, Any]) -> tuple[str, str]:
    action = (body.get("actions") or [{}])[0]
    return str(action.get("value") or ""), str((body.get("user") or {}).get("id") or "")


def _act(body: dict[str, Any], respond: Respond, run: Any) -> None:
    key, user = _clicked(body)
    if not key or not user:
        respond(text=messages.button_without_alarm(), response_type="ephemeral", replace_original=False)
        return
    from bot.slack.delivery.alarms import alarm_pipeline

    result = run(alarm_pipeline(), key, user)
    if not result.ok:
        respond(text=result.message, response_type="ephemeral", replace_original=False)


def acknowledge(body: dict[str, Any], respond: Respond) -> None:
    from bot.alarms.escalation import acknowledge as acknowledge_incident

    _act(body, respond, acknowledge_incident)


def silence_hour(body: dict[str, Any], respond: Respond) -> None:
    from bot.alarms.escalation import silence

    _act(body, respond, lambda p, key, user: silence(p, key, user, until_ok=False))


def silence_until_ok(body: dict[str, Any], respond: Respond) -> None:
    from bot.alarms.escalation import silence

    _act(body, respond, lambda p, key, user: silence(p, key, user, until_ok=True))


@subcommand(
    "maintenance",
    usage="/perf maintenance on [duration] | off | status",
    summary="pause alarm notifications for planned work (default 1 h); a summary follows when it ends",
)
def maintenance(inv: Invocation) -> Reply:
    from bot.alarms import maintenance as mode
    from bot.alarms.service import now, stores
    from bot.alarms.views import MaintenanceView
    from bot.settings import get_settings
    from bot.slack.render.alarms import maintenance_message

    store = stores(get_settings())[1]
    at = now()
    try:
        state, summary = mode.run_command(store, inv.args, inv.user_id, at)
    except mode.MaintenanceCommandError as exc:
        raise UsageError(str(exc)) from exc
    view = MaintenanceView(
        now=at,
        active=state.active(at),
        until=state.manual_until,
        by=state.manual_by,
        alarm_on=state.alarm_on,
        summary=summary,
    )
    text, blocks = maintenance_message(view)
    return Reply(text=text, blocks=blocks)


def register(app: App) -> None:
    app.action(ACK_ACTION)(ack=ack_at_once, lazy=[guarded(acknowledge)])
    app.action(SILENCE_HOUR_ACTION)(ack=ack_at_once, lazy=[guarded(silence_hour)])
    app.action(SILENCE_OK_ACTION)(ack=ack_at_once, lazy=[guarded(silence_until_ok)])
