"""`/perf loadtest status`: the last stored run of each load-test profile (starting a load test from Slack is not
offered — it runs from a terminal with ``python -m bot loadtest``)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.commands import Invocation, Reply, UsageError, subcommand

USAGE = "/perf loadtest status"


@subcommand("loadtest", usage=USAGE, summary="the last load-test results per profile (run them with the CLI)")
def run_loadtest(inv: Invocation) -> Reply:
    if inv.args[:1] != ["status"] or len(inv.args) > 1:
        raise UsageError("load tests run from a terminal (python -m bot loadtest); Slack shows their results")
    from bot.loadtest import PROFILES, LoadTestStore
    from bot.settings import get_settings
    from bot.slack import messages
    from bot.slack.render import loadtest as render

    settings = get_settings()
    runs = LoadTestStore(settings.tables.state, settings.region).latest(PROFILES)
    if not runs:
        return Reply(text=messages.no_load_tests())
    return Reply(text=render.runs_text(runs), blocks=render.runs_blocks(runs, title="Last load-test results"))


def register(app: App) -> None:
    """The subcommand above registered at import; `/perf` (bot.slack.listeners.perf) dispatches to it."""
    del app
