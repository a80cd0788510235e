"""Change buttons (Approve, Reject, Undo, Revert) and `/perf audit`.

Each button acks at once and does the work lazily. Buttons carry only the proposal id; who may do what is decided
server-side (bot.changes.authorize), and every state change is a conditional write, so double clicks, concurrent
approvers and Slack retries are harmless: one click wins, the others are told who did it and when.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from slack_bolt import App, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack import messages
from bot.slack.commands import Invocation, Reply, UsageError, subcommand
from bot.slack.errors import guarded
from bot.slack.listeners.acks import ack_at_once
from bot.slack.render.kit import iso_date

CHANGE_ID = re.compile(r"^chg-[0-9a-f]{10}$")
DEFAULT_AUDIT_EVENTS = 10
MAX_AUDIT_EVENTS = 100

_directory_lock = threading.Lock()
_directory: Any = None


class SlackDirectory:
    """Authorization's view of Slack: approver user groups (usergroups.users.list, cached a minute) and channel IDs
    (conversations.list, once per container)."""

    def __init__(self, client: WebClient) -> None:
        from bot.changes.authorize import CachedGroupMembers
        from bot.slack.channels import channel_directory

        self.members_of = CachedGroupMembers(lambda group: list(client.usergroups_users_list(usergroup=group)["users"]))
        self.channel_id = channel_directory(client).channel_id


def _directory_of(client: WebClient) -> Any:
    """One directory per warm container."""
    global _directory  # noqa: PLW0603 — one cache per warm container
    with _directory_lock:
        if _directory is None:
            _directory = SlackDirectory(client)
        return _directory


def _click(body: dict[str, Any], context: BoltContext) -> tuple[str, Any]:
    """(the button's value, the Click) — with Slack's and API Gateway's ids for the audit."""
    from bot.changes.authorize import Click

    action = (body.get("actions") or [{}])[0]
    request = context.get("lambda_request") or {}
    headers = request.get("headers") or {}
    ids = {
        "trigger_id": body.get("trigger_id", ""),
        "action_ts": action.get("action_ts", ""),
        "message_ts": (body.get("container") or {}).get("message_ts", ""),
        "api_request_id": (request.get("requestContext") or {}).get("requestId", ""),
        "slack_retry_num": headers.get("x-slack-retry-num", ""),
    }
    channel = body.get("channel") or {}
    click = Click(
        user=(body.get("user") or {}).get("id", ""),
        channel_id=channel.get("id", ""),
        channel_name=channel.get("name", ""),
        slack_ids={k: str(v) for k, v in ids.items() if v},
    )
    return str(action.get("value", ""))[:64], click


def outcome_text(outcome: Any) -> str | None:
    """What to tell the clicker: refusals, lost races and an undo waiting for a second approver; ``None`` when the
    card itself shows the outcome."""
    p = outcome.proposal
    if outcome.status == "refused" and outcome.refusal is not None:
        return messages.refused(outcome.refusal.message)
    if outcome.status == "pending" and p is not None and p.approvals:
        return messages.second_approver_needed(p.id)
    if outcome.status == "pending" and p is not None:
        return messages.undo_needs_another_approver(p.id)
    if outcome.status == "already" and p is not None and p.is_undo:
        return messages.already_undoing(p.state, p.id, p.requester, p.approved_by, iso_date(p.applied_at))
    if outcome.status == "already" and p is not None:
        return messages.already_decided(p.state, p.approved_by, iso_date(p.applied_at))
    return None


def _tell(respond: Respond, outcome: Any) -> None:
    """Answer the clicker ephemerally when there is something to say beyond the card."""
    text = outcome_text(outcome)
    if text is not None:
        respond(text=text, response_type="ephemeral", replace_original=False)


def run_approve(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    from bot.slack.delivery.changes import change_orchestrator

    proposal_id, click = _click(body, context)
    _tell(respond, change_orchestrator(client).approve_without_reason(proposal_id, click, _directory_of(client)))


def run_reject(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    from bot.slack.delivery.changes import change_orchestrator

    proposal_id, click = _click(body, context)
    _tell(respond, change_orchestrator(client).reject(proposal_id, click, _directory_of(client)))


def run_undo(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """Undo, and Revert after a regression: one undo per change however often it is clicked (or Slack retries)."""
    from bot.slack.delivery.changes import change_orchestrator

    original_id, click = _click(body, context)
    _tell(respond, change_orchestrator(client).undo(original_id, click, _directory_of(client)))


@subcommand(
    "audit",
    usage="/perf audit [n | change-id]",
    summary="the last n audited change events (default 10), or the full history of one change",
)
def audit_command(inv: Invocation) -> Reply:
    from bot.audit import audit_log
    from bot.changes.store import UnknownProposal, proposal_store
    from bot.slack.render import changes as render

    arg = inv.args[0] if inv.args else str(DEFAULT_AUDIT_EVENTS)
    log = audit_log()
    if arg.isdigit():
        n = int(arg)
        if not 1 <= n <= MAX_AUDIT_EVENTS:
            raise UsageError(f"n must be between 1 and {MAX_AUDIT_EVENTS}")
        text, blocks = render.audit_blocks(log.latest(n), f"Audit log — last {n} events")
        return Reply(text=text, blocks=blocks)
    if not CHANGE_ID.match(arg):
        raise UsageError(f"'{arg}' is neither a number nor a change id (like chg-0123456789)")
    events = log.for_change(arg)
    try:
        undone_by = proposal_store().get(arg).undone_by
    except UnknownProposal:
        undone_by = ""
    if undone_by:
        events = sorted([*events, *log.for_change(undone_by)], key=lambda e: e.seq)
    text, blocks = render.audit_blocks(events, f"Audit log — {arg}")
    return Reply(text=text, blocks=blocks)


def register(app: App) -> None:
    app.action("approve_proposal")(ack=ack_at_once, lazy=[guarded(run_approve)])
    app.action("reject_proposal")(ack=ack_at_once, lazy=[guarded(run_reject)])
    app.action("undo_change")(ack=ack_at_once, lazy=[guarded(run_undo)])
    app.action("revert_change")(ack=ack_at_once, lazy=[guarded(run_undo)])
