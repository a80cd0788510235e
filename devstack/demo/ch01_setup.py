"""Chapter 1: perfbot's tables and the simulated monitoring-api with 24 h of metrics and an incident, and the 13 days
before them hour by hour (what `/perf usage` reads)."""

from __future__ import annotations

from bot.bootstrap import bootstrap
from bot.settings import get_settings
from devstack.demo.stage import DemoStage

USAGE_DAYS = 14


def run(stage: DemoStage) -> None:
    from devstack.simulator import simulate

    settings = get_settings()
    stage.say(f"Embedded AWS at {stage.stack.aws.endpoint_url}, Slack emulator at {stage.emu.api_url}")
    created = bootstrap(settings)
    stage.say(f"Bootstrapped perfbot's tables: {', '.join(created) or 'already there'}")
    report = simulate(settings, days=USAGE_DAYS)
    stage.say(f"Simulated the monitored service: {report}")
