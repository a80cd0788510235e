"""Slack delivery of change cards — the one place in bot/changes that talks to Slack (render does the blocks).

Used by the button listeners (progress of a click), publish_recommendations (new cards) and the scheduled tasks
(verification replies, expired cards).
"""

from __future__ import annotations

import logging
from typing import Any

from bot.analysis.models import Recommendation
from bot.changes.models import Proposal
from bot.changes.proposals import Conflict, proposal_store, propose
from bot.slack.render import changes as render

logger = logging.getLogger(__name__)


class ChangeCards:
    def __init__(self, client: Any) -> None:
        self._client = client

    def post(self, p: Proposal, *, thread_ts: str | None = None) -> Proposal:
        """Post the card of a pending proposal and remember where it is (channel id and ts)."""
        text, blocks = render.card(p)
        answer = self._client.chat_postMessage(channel=p.channel, text=text, blocks=blocks, thread_ts=thread_ts)
        where = {"channel": str(answer["channel"]), "message_ts": str(answer["ts"])}
        try:
            return proposal_store().update_fields(p.id, "proposed", where)
        except Conflict as moved:  # decided within milliseconds of posting: keep the coordinates anyway
            logger.warning("card_posted_after_decision", extra={"proposal": p.id, "state": moved.current.state})
            return moved.current.model_copy(update=where)

    def refresh(self, p: Proposal) -> None:
        """Redraw the card for the proposal's current state ("applying… by", the result, the failure)."""
        if not p.message_ts:
            return
        text, blocks = render.card(p)
        try:
            self._client.chat_update(channel=p.channel, ts=p.message_ts, text=text, blocks=blocks)
        except Exception:  # the change itself is done and audited; a stale card must not hide that
            logger.exception("card_update_failed", extra={"proposal": p.id})

    def reply(self, p: Proposal, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """A message in the card's thread (verification, undo notes)."""
        self._client.chat_postMessage(
            channel=p.channel, thread_ts=p.message_ts or None, text=text, blocks=blocks or None
        )


def post_recommendation(client: Any, rec: Recommendation, requester: str, channel: str) -> Proposal:
    """Store ``rec`` as a proposal (audited) and post its card with Approve / Reject."""
    return ChangeCards(client).post(propose(rec, requester, channel))
