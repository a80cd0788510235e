"""Analysis → Slack: an analysis's summary, then one card per recommendation — each a proposal of the change flow,
posted through :mod:`bot.slack.delivery.changes` — in a channel or an alarm's thread; the hourly ``analyze`` task
runs with it.
"""

from __future__ import annotations

from typing import Any

from bot.analysis import tasks
from bot.analysis.models import AnalysisResult
from bot.changes.models import SYSTEM_ACTOR
from bot.schedule import TaskResult, task
from bot.slack.app import slack_client
from bot.slack.delivery.changes import change_orchestrator
from bot.slack.render.analysis import summary_blocks, summary_text


def publish_recommendations(
    result: AnalysisResult, *, channel: str, thread_ts: str | None = None, requester_id: str, client: Any = None
) -> list[str]:
    """A card per recommendation in ``channel`` (in ``thread_ts`` when given); returns the cards' ts.

    Each recommendation becomes a stored, audited proposal whose card carries Approve / Reject (value: only the
    proposal id); low-risk ones are applied at once when ``changes.auto_apply_low_risk`` is on.
    """
    changes = change_orchestrator(client)
    requester = requester_id or SYSTEM_ACTOR
    return [changes.propose(rec, requester, channel, thread_ts=thread_ts).message_ts for rec in result.recommendations]


def publish_analysis(
    result: AnalysisResult, *, channel: str, thread_ts: str | None = None, requester_id: str, client: Any = None
) -> list[str]:
    """The summary message, then the cards (the Analyze button on an alarm and the hourly schedule use this)."""
    slack = client or slack_client()
    answer = slack.chat_postMessage(
        channel=channel, thread_ts=thread_ts, text=summary_text(result), blocks=summary_blocks(result)
    )
    cards = publish_recommendations(
        result, channel=channel, thread_ts=thread_ts, requester_id=requester_id, client=slack
    )
    return [str(answer["ts"]), *cards]


@task("analyze")
def hourly_analysis(event: dict[str, Any]) -> TaskResult:
    def publish(result: AnalysisResult, channel: str) -> None:
        publish_analysis(result, channel=channel, requester_id=tasks.SCHEDULE_REQUESTER)

    return tasks.hourly_analysis(event, publish)
