"""Analysis → Slack: an analysis's summary, then one card per recommendation — each a proposal of the change flow,
posted through :mod:`bot.slack.delivery.changes` — in a channel or an alarm's thread; the hourly ``analyze`` task
runs with it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from bot.analysis import tasks
from bot.analysis.models import AnalysisResult, Recommendation
from bot.changes.kinds import describe_values, kind_spec
from bot.changes.models import SYSTEM_ACTOR, Proposal
from bot.changes.orchestrator import AlreadyProposed, ChangeOrchestrator
from bot.changes.store import ProposalError
from bot.schedule import TaskResult, task
from bot.slack import messages
from bot.slack.app import slack_client
from bot.slack.delivery.changes import change_orchestrator
from bot.slack.render.analysis import summary_blocks, summary_text
from bot.slack.render.kit import context

logger = logging.getLogger(__name__)
CARD_WAIT_ROUNDS, CARD_WAIT_S = 10, 0.3  # how long an answer waits for the open proposal's card to be posted


@dataclass
class Published:
    """What publishing an analysis came to: the new cards' ts, and a line per recommendation whose change is open
    already (another analysis, here or in another container, proposed it first)."""

    cards: list[str] = field(default_factory=list)
    already_open: list[str] = field(default_factory=list)


def publish_recommendations(
    result: AnalysisResult, *, channel: str, thread_ts: str | None = None, requester_id: str, client: Any = None
) -> Published:
    """A card per recommendation in ``channel`` (in ``thread_ts`` when given).

    Each recommendation becomes a stored, audited proposal whose card carries Approve / Reject (value: only the
    proposal id); low-risk ones are applied at once when ``changes.auto_apply_low_risk`` is on. A change that is
    open already gets no second card: the answer links to the open one.
    """
    slack = client or slack_client()
    changes = change_orchestrator(slack)
    requester = requester_id or SYSTEM_ACTOR
    published = Published()
    for rec in result.recommendations:
        try:
            published.cards.append(changes.propose(rec, requester, channel, thread_ts=thread_ts).message_ts)
        except AlreadyProposed as open_:
            card = _posted(changes, open_)
            published.already_open.append(_already_open(slack, rec, open_.proposal_id, card))
    return published


def _posted(changes: ChangeOrchestrator, open_: AlreadyProposed) -> Proposal | None:
    """The open proposal once its card is posted: the analysis that claimed it may be posting it right now, so look
    again a few times (a bounded wait) before answering without the link."""
    p = open_.proposal
    for _ in range(CARD_WAIT_ROUNDS):
        if p is not None and p.message_ts:
            return p
        time.sleep(CARD_WAIT_S)
        try:
            p = changes.store.get(open_.proposal_id)
        except ProposalError:
            p = None
    return p


def _already_open(client: Any, rec: Recommendation, proposal_id: str, p: Proposal | None) -> str:
    what = f"{kind_spec(rec.kind).title} {rec.target} → {describe_values(rec.kind, rec.proposed)}"
    link = ""
    if p is not None and p.message_ts:
        try:
            link = str(client.chat_getPermalink(channel=p.channel, message_ts=p.message_ts)["permalink"])
        except Exception:  # the answer still says which proposal it is
            logger.warning("permalink_unavailable", extra={"proposal": p.id})
    return messages.already_open(what, proposal_id, link)


def publish_analysis(
    result: AnalysisResult, *, channel: str, thread_ts: str | None = None, requester_id: str, client: Any = None
) -> list[str]:
    """The summary message, then the cards (the Analyze button on an alarm and the hourly schedule use this)."""
    slack = client or slack_client()
    answer = slack.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=summary_text(result), blocks=summary_blocks(result)
    )
    published = publish_recommendations(
        result, channel=channel, thread_ts=thread_ts, requester_id=requester_id, client=slack
    )
    if published.already_open:  # the summary says which changes are open already, with their cards
        blocks = [*summary_blocks(result), context(*published.already_open)]
        slack.chat_update(channel=answer["channel"], ts=answer["ts"], text=summary_text(result), blocks=blocks)
    return [str(answer["ts"]), *published.cards]


@task("analyze")
def hourly_analysis(event: dict[str, Any]) -> TaskResult:
    def publish(result: AnalysisResult, channel: str) -> None:
        publish_analysis(result, channel=channel, requester_id=tasks.SCHEDULE_REQUESTER)

    return tasks.hourly_analysis(event, publish)
