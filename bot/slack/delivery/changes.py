"""Changes → Slack: :class:`SlackChangeNotifier` posts and redraws proposal cards and replies in their threads,
rendered by ``bot.slack.render.changes``; :func:`change_orchestrator` is the flow the buttons and the ``verify`` and
``expire`` tasks run.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bot.changes.models import Proposal
from bot.changes.notifier import CardAddress
from bot.changes.orchestrator import ChangeOrchestrator, orchestrator
from bot.changes.verify import Verification
from bot.schedule import TaskResult, task
from bot.slack.app import slack_client
from bot.slack.post_once import post_once
from bot.slack.render import changes as render

logger = logging.getLogger(__name__)
CARD_EVENT = "perfbot_change_proposal"  # the card's message metadata: event_payload.id is the proposal's id


class SlackChangeNotifier:
    def __init__(self, client: Any) -> None:
        self._client = client

    def post(self, p: Proposal, *, thread_ts: str | None = None) -> CardAddress:
        text, blocks = render.card(p)
        posted = post_once(
            self._client,
            channel=p.channel,
            event_type=CARD_EVENT,
            key=p.id,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
        )
        return CardAddress(channel=posted.channel, ts=posted.ts)

    def refresh(self, p: Proposal) -> bool:
        if not p.message_ts:
            return True
        text, blocks = render.card(p)
        try:
            self._client.chat_update(channel=p.channel, ts=p.message_ts, text=text, blocks=blocks)
        except Exception:  # the change itself is done and audited; a stale card must not hide that
            logger.exception("card_update_failed", extra={"proposal": p.id})
            return False
        return True

    def verified(self, p: Proposal, result: Verification, *, revert: Proposal | None) -> None:
        text, blocks = render.verification_blocks(p, result, revert=revert)
        self._client.chat_postMessage(channel=p.channel, thread_ts=p.message_ts or None, text=text, blocks=blocks)


def change_orchestrator(client: Any = None) -> ChangeOrchestrator:
    """The change flow on the configured tables, telling Slack through ``client`` (default: the shared WebClient)."""
    return orchestrator(SlackChangeNotifier(client or slack_client()))


@task("verify")
def verify(event: dict[str, Any]) -> TaskResult:
    """Verify every applied change whose time has come (EventBridge's ``time`` field is "now")."""
    stamp = event.get("time")
    now = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else datetime.now(UTC)
    return {"verified": change_orchestrator().verify(now)}


@task("expire")
def expire(event: dict[str, Any]) -> TaskResult:
    done = change_orchestrator().expire()
    return {
        "expired": done.expired,
        "interrupted": done.interrupted,
        "reconciled": done.reconciled,
        "released": done.released,
    }
