"""Load tests → Slack: ``python -m bot loadtest --post`` posts the runs to the digest channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.loadtest.models import LoadTestRun


def post_runs(runs: list[LoadTestRun]) -> None:
    from bot.settings import get_settings
    from bot.slack.app import slack_client
    from bot.slack.render import loadtest as render

    slack_client().chat_postMessage(
        channel=get_settings().slack.digest_channel, text=render.runs_text(runs), blocks=render.runs_blocks(runs)
    )
