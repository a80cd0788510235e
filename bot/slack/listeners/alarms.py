"""Alarm message buttons (Acknowledge, Silence 1 h, Silence until OK) and `/perf maintenance`.

Ack path rule: only stdlib, Bolt and bot.slack.commands / render.kit at module level; the incident store, settings and
the pipeline are imported inside the lazy functions. Button values carry only the incident key (the alarm name).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App, Respond

from bot.slack import messages
from bot.slack.commands import Invocation, Reply, UsageError, subcommand
from bot.slack.errors import guarded
from bot.slack.listeners.acks import ack_at_once

if TYPE_CHECKING:
    from bot.alarms.maintenance import Maintenance, MaintenanceCommand
    from bot.audit import Action

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


MAINTENANCE_USAGE = "/perf maintenance on [service] [duration] | off [service] | status"


@subcommand(
    "maintenance",
    usage=MAINTENANCE_USAGE,
    summary="pause alarm notifications for planned work, everywhere or for one service (approvers; default 1 h); "
    "a summary follows when it ends",
)
def maintenance(inv: Invocation) -> Reply:
    from bot.alarms import maintenance as mode
    from bot.alarms.service import now, stores
    from bot.alarms.views import MaintenanceView
    from bot.settings import get_settings
    from bot.slack.render.alarms import maintenance_message

    settings = get_settings()
    store = stores(settings)[1]
    at = now()
    try:
        command = mode.parse_command(inv.args, [s.name for s in settings.services])
    except mode.MaintenanceCommandError as exc:
        raise UsageError(str(exc)) from exc
    if command.changes_state:
        _authorize_maintenance(inv, command)
    state, summary = mode.run_command(store, command, inv.user_id, at)
    if command.changes_state:
        _audit_maintenance(inv, command, state)
    view = MaintenanceView(
        now=at,
        active=state.active(at),
        until=state.manual_until if state.everywhere(at) else None,
        by=state.manual_by,
        alarm_on=state.alarm_on,
        summary=summary,
        services=state.services_on(at),
        usage=MAINTENANCE_USAGE if not inv.args else "",
    )
    text, blocks = maintenance_message(view)
    return Reply(text=text, blocks=blocks)


def _authorize_maintenance(inv: Invocation, command: MaintenanceCommand) -> None:
    """Muting alarms is the approvers' call (perfbot.yml ``approvers``: users and user groups); a refusal is audited."""
    from bot.changes.authorize import is_approver
    from bot.settings import get_settings
    from bot.slack.app import slack_client
    from bot.slack.listeners.changes import _directory_of

    if is_approver(inv.user_id, get_settings(), _directory_of(slack_client())):
        return
    _audit(inv, "refused", command, detail="not an approver")
    raise UsageError(messages.maintenance_not_allowed())


def _audit_maintenance(inv: Invocation, command: MaintenanceCommand, state: Maintenance) -> None:
    until = state.services.get(command.service) if command.service else state.manual_until
    after = {"maintenance": command.verb, "until": until if command.verb == "on" else None}
    _audit(inv, "maintenance_on" if command.verb == "on" else "maintenance_off", command, after=after)


def _audit(inv: Invocation, action: Action, command: MaintenanceCommand, **fields: Any) -> None:
    """Recorded like a change: who, where, which scope, with the chain's guarantees (bot.audit)."""
    from bot.audit import AuditEvent, audit_log

    scope = f"maintenance:{command.service or 'all alarms'}"
    audit_log().append(
        AuditEvent(
            action=action, actor=inv.user_id, kind="maintenance", resource=scope, channel=inv.channel_id, **fields
        )
    )


def register(app: App) -> None:
    app.action(ACK_ACTION)(ack=ack_at_once, lazy=[guarded(acknowledge)])
    app.action(SILENCE_HOUR_ACTION)(ack=ack_at_once, lazy=[guarded(silence_hour)])
    app.action(SILENCE_OK_ACTION)(ack=ack_at_once, lazy=[guarded(silence_until_ok)])
