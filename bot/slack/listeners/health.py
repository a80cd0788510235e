"""`/perf health`: perfbot's own state — last alarm handled, failed-events queue, errors in the last hour, versions.

Ack path: only ``bot.slack.commands`` at module level; settings, gateways and the report load inside the runner.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.commands import Invocation, Reply, UsageError, subcommand


@subcommand(
    "health",
    usage="/perf health",
    summary="perfbot's own state: last alarm handled, failed-events queue, errors in the last hour, versions",
)
def run_health(inv: Invocation) -> Reply:
    from bot.health.report import build_health_report
    from bot.settings import get_settings
    from bot.slack.render import health as render

    if inv.args:
        raise UsageError(f"`/perf health` takes no arguments, got {' '.join(inv.args)}")
    report = build_health_report(get_settings())
    return Reply(text=render.health_text(report), blocks=render.health_blocks(report))


def register(app: App) -> None:
    """The subcommand above registered at import; `/perf` (bot.slack.listeners.perf) dispatches to it."""
    del app
