"""Post an analysis to Slack: the summary, then one card per recommendation.

``publish_recommendations`` is deliberately small: the changes capability replaces its body to store each
recommendation as a proposal and post the card with Approve / Reject. Until then cards carry no buttons, because
a button that does nothing must not appear.
"""

from __future__ import annotations

from typing import Any

from bot.analysis.models import AnalysisResult


def _client(client: Any) -> Any:
    if client is not None:
        return client
    from bot.slack.app import slack_client

    return slack_client()


def publish_recommendations(
    result: AnalysisResult, *, channel: str, thread_ts: str | None = None, requester_id: str, client: Any = None
) -> list[str]:
    """Post a card per recommendation in ``channel`` (in ``thread_ts`` when given); returns the messages' ts.

    Each recommendation becomes a stored, audited proposal whose card carries Approve / Reject (value: only the
    proposal id); low-risk ones are applied at once when ``changes.auto_apply_low_risk`` is on.
    """
    from bot.changes.apply import orchestrator
    from bot.changes.autoapply import auto_apply
    from bot.changes.cards import ChangeCards
    from bot.changes.models import SYSTEM_ACTOR
    from bot.changes.proposals import propose

    cards = ChangeCards(_client(client))
    posted = []
    for rec in result.recommendations:
        proposal = cards.post(propose(rec, requester_id or SYSTEM_ACTOR, channel), thread_ts=thread_ts)
        auto_apply(orchestrator(progress=cards.refresh), proposal)
        posted.append(proposal.message_ts)
    return posted


def publish_analysis(
    result: AnalysisResult, *, channel: str, thread_ts: str | None = None, requester_id: str, client: Any = None
) -> list[str]:
    """The summary message, then the cards (the button in an alarm's thread and the hourly schedule use this)."""
    from bot.slack.render.analysis import summary_blocks, summary_text

    slack = _client(client)
    answer = slack.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=summary_text(result), blocks=summary_blocks(result)
    )
    cards = publish_recommendations(
        result, channel=channel, thread_ts=thread_ts, requester_id=requester_id, client=slack
    )
    return [str(answer["ts"]), *cards]
