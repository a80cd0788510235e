"""Drive change buttons the way Slack does: signed block_actions requests through handlers.slack.handler — and, for
a high-risk card, the reason modal its Approve opens and the ``view_submission`` that approves."""

from __future__ import annotations

from typing import Any

from bot.analysis.models import Recommendation
from bot.changes.models import Proposal
from bot.changes.store import proposal_store
from devstack import lambdas, slack_requests

CHANNEL = "#perf-alerts"
ALICE, CAROL, BOB = "U0APPROVER1", "U0APPROVER2", "U0BOB"  # two approvers of the shipped perfbot.yml, one not
REASON = "the evening peak needs it"  # what an approver writes in a high-risk change's reason modal


def card_for(stack: Any, rec: Recommendation, requester: str = "perfbot", channel: str = CHANNEL) -> Proposal:
    """Store ``rec`` as a proposal and post its card, as publish_recommendations does."""
    from bot.slack.delivery.changes import change_orchestrator

    return change_orchestrator().propose(rec, requester, stack.slack.channel_id(channel))


def post_card(stack: Any, p: Proposal) -> Proposal:
    """Post the card of a proposal a test stored itself (expired, interrupted…) and record where it is."""
    from bot.slack.app import slack_client
    from bot.slack.delivery.changes import SlackChangeNotifier

    where = SlackChangeNotifier(slack_client()).post(p)
    return proposal_store().update_fields(p.id, p.state, {"channel": where.channel, "message_ts": where.ts})


def click_event(
    stack: Any, action_id: str, value: str, *, user: str, channel: str = CHANNEL, **kw: Any
) -> dict[str, Any]:
    return slack_requests.click_event(
        stack.slack, stack.signing_secret, action_id, value, user=user, channel=channel, **kw
    )


def click(slack_handler: Any, stack: Any, action_id: str, value: str, **kwargs: Any) -> dict[str, Any]:
    """One click, then wait for its lazy work; returns the HTTP response the handler gave Slack."""
    response = lambdas.invoke("slack", click_event(stack, action_id, value, **kwargs))
    lambdas.wait_idle()
    return dict(response)


def reason_view(slack_handler: Any, stack: Any, p: Proposal, *, user: str, channel: str = CHANNEL) -> dict[str, Any]:
    """``user`` clicks a high-risk card's Approve: perfbot opens the reason modal, returned as the emulator holds it."""
    click(slack_handler, stack, "approve_with_reason", p.id, user=user, channel=channel, message_ts=p.message_ts)
    views = [v for v in stack.slack.views() if v["callback_id"] == "approve_with_reason"]
    assert views, "no reason modal was opened"
    return dict(views[-1])


def submission_event(stack: Any, view: dict[str, Any], *, user: str, reason: str = REASON) -> dict[str, Any]:
    """``user`` submits the reason modal ``view``: Slack's signed ``view_submission`` request."""
    payload = slack_requests.view_submission_payload(view, user, {"reason": reason})
    return slack_requests.signed_event(slack_requests.block_action_body(payload), stack.signing_secret)


def approve(slack_handler: Any, stack: Any, p: Proposal, *, user: str, channel: str = CHANNEL) -> dict[str, Any]:
    """``user`` approves ``p`` as its card asks: a click on Approve, or — high-risk — the reason modal submitted."""
    if p.risk != "high":
        return click(
            slack_handler, stack, "approve_proposal", p.id, user=user, channel=channel, message_ts=p.message_ts
        )
    view = reason_view(slack_handler, stack, p, user=user, channel=channel)
    response = lambdas.invoke("slack", submission_event(stack, view, user=user))
    lambdas.wait_idle()
    return dict(response)


def card_text(stack: Any, p: Proposal, channel: str = CHANNEL) -> str:
    [message] = [m for m in stack.slack.messages(channel) if m.ts == p.message_ts]
    return str(message.plain_text())


def buttons(stack: Any, p: Proposal, channel: str = CHANNEL) -> list[str]:
    [message] = [m for m in stack.slack.messages(channel) if m.ts == p.message_ts]
    return [e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def ephemerals_for(stack: Any, user: str) -> list[str]:
    return [m.plain_text() for m in stack.slack.ephemerals(user=user)]
