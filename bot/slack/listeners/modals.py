"""Modals: `/perf maintenance` with no arguments opens one (service, duration, reason), and a high-risk Approve opens
one asking for the reason, which the audit log keeps with the approval.

A modal must open within Slack's 3 seconds of the click or command (its ``trigger_id`` expires), so views.open runs
in the ack listener, before the ack. Submissions are checked in their ack (``response_action: errors`` shows the
problem next to the field) and carried out lazily; the lazy work checks again, as Bolt runs it after any ack.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack.errors import guarded
from bot.slack.render.changes import APPROVE_WITH_REASON
from bot.slack.render.modals import (
    ALL_SERVICES,
    APPROVE_REASON_VIEW,
    DURATION,
    MAINTENANCE_VIEW,
    REASON,
    SERVICE,
    maintenance_modal,
    metadata,
    reason_modal,
    submitted,
)

MIN_REASON = 5


def bare_maintenance(body: dict[str, Any]) -> bool:
    """`/perf maintenance` and nothing else: the command needs parameters, so it asks for them."""
    return (body.get("text") or "").strip().lower() == "maintenance"


def open_maintenance(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """The modal asks for the parameters and shows what is on now (the status `/perf maintenance status` gives)."""
    from bot.settings import get_settings
    from bot.slack.commands import Invocation
    from bot.slack.listeners.alarms import MAINTENANCE_USAGE, maintenance

    channel, user = str(body.get("channel_id", "")), str(body.get("user_id", ""))
    status = maintenance(Invocation(name="maintenance", args=["status"], user_id=user, channel_id=channel)).text
    services = [s.name for s in get_settings().services]
    view = maintenance_modal(services, channel, status=f"{status}\nUsage: `{MAINTENANCE_USAGE}`")
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def _duration_problem(view: dict[str, Any]) -> str | None:
    from bot.alarms.maintenance import DurationError, parse_duration

    try:
        parse_duration(submitted(view, DURATION))
    except DurationError as problem:
        return str(problem)
    return None


def check_maintenance(ack: Ack, view: dict[str, Any]) -> None:
    problem = _duration_problem(view)
    if problem:
        ack(response_action="errors", errors={DURATION: problem})
    else:
        ack()


def start_maintenance(body: dict[str, Any], view: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """Lazy: the same operation as `/perf maintenance on <duration> [service]`, posted where the command was typed."""
    from bot.slack import messages
    from bot.slack.commands import Invocation, UsageError
    from bot.slack.listeners.alarms import maintenance
    from bot.slack.render.kit import context, escape

    if _duration_problem(view):
        return
    channel, user = metadata(view).get("channel", ""), str((body.get("user") or {}).get("id") or "")
    service = submitted(view, SERVICE)
    args = ["on", *([service] if service and service != ALL_SERVICES else []), submitted(view, DURATION)]
    try:
        reply = maintenance(Invocation(name="maintenance", args=args, user_id=user, channel_id=channel))
    except UsageError as problem:
        client.chat_postEphemeral(channel=channel, user=user, text=messages.usage(str(problem), "/perf maintenance"))
        return
    reason = submitted(view, REASON)
    blocks = [*reply.blocks, context(messages.maintenance_reason(escape(reason), user))] if reason else reply.blocks
    client.chat_postMessage(channel=channel, text=reply.text, blocks=blocks)


def ask_reason(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """A high-risk Approve: open the reason modal (the approval happens when it is submitted)."""
    action = (body.get("actions") or [{}])[0]
    message = body.get("message") or {}
    header: dict[str, Any] = next((b for b in message.get("blocks") or [] if b.get("type") == "header"), {})
    summary = str((header.get("text") or {}).get("text") or "This change")
    channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or "")
    ts = str(message.get("ts") or (body.get("container") or {}).get("message_ts") or "")
    view = reason_modal(str(action.get("value", ""))[:64], channel, ts, summary)
    client.views_open(trigger_id=body["trigger_id"], view=view)
    ack()


def check_reason(ack: Ack, view: dict[str, Any]) -> None:
    from bot.slack import messages

    if len(submitted(view, REASON)) < MIN_REASON:
        ack(response_action="errors", errors={REASON: messages.reason_too_short(MIN_REASON)})
    else:
        ack()


def approve_with_reason(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Lazy: approve as the Approve button does, with the reason in the audit event."""
    from bot.changes.authorize import Click
    from bot.slack.delivery.changes import change_orchestrator
    from bot.slack.listeners.changes import _directory_of, outcome_text

    reason = submitted(view, REASON)
    if len(reason) < MIN_REASON:
        return
    meta = metadata(view)
    headers = (context.get("lambda_request") or {}).get("headers") or {}
    ids = {
        "view_id": view.get("id", ""),
        "message_ts": meta.get("message_ts", ""),
        "slack_retry_num": headers.get("x-slack-retry-num", ""),
    }
    click = Click(
        user=str((body.get("user") or {}).get("id") or ""),
        channel_id=meta.get("channel", ""),
        slack_ids={k: str(v) for k, v in ids.items() if v},
    )
    outcome = change_orchestrator(client).approve(meta.get("proposal", ""), click, _directory_of(client), reason=reason)
    text = outcome_text(outcome)
    if text and click.channel_id:
        client.chat_postEphemeral(channel=click.channel_id, user=click.user, text=text)


def register(app: App) -> None:
    app.command("/perf", matchers=[bare_maintenance])(open_maintenance)
    app.view(MAINTENANCE_VIEW)(ack=check_maintenance, lazy=[guarded(start_maintenance)])
    app.action(APPROVE_WITH_REASON)(ask_reason)
    app.view(APPROVE_REASON_VIEW)(ack=check_reason, lazy=[guarded(approve_with_reason)])
