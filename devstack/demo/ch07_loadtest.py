"""Chapter 7: the monitored service runs for real. A short load test measures it, perfbot recommends, the approved
change reconfigures the running service, and a second load test shows the effect against the first."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from devstack.demo.stage import ALICE, DEMO_CHANNEL, DemoStage

RESULTS = Path("build/demo-loadtest.json")


def run(stage: DemoStage) -> None:
    from bot.settings import get_settings
    from devstack.service import MonitoredService

    with MonitoredService(get_settings(), breaker_open_timeout_s=2) as service:
        stage.say(f"monitoring-api runs for real on loopback: SERVICE_URL={service.url}")
        _loadtest(stage, service.url, "baseline", post=False)  # warm containers: the comparison is not cold vs warm
        first = _loadtest(stage, service.url)
        stage.say("Alice asks perfbot what to tune now: `/perf analyze cache`")
        card = _new_card(stage, "cache")
        if card is None:
            stage.say("perfbot has no new recommendation for the measured service; nothing to apply")
            return
        stage.say(f"Alice approves `{card.id}`: {card.target} {card.before} → {card.after}")
        stage.click("approve_proposal", card.id, user=ALICE, message_ts=card.message_ts)
        service.refresh_config()
        stage.say(f"The running service now reads {service.core.config.current if service.core else '?'}")
        second = _loadtest(stage, service.url)
        before, after = first["phases"][0], second["phases"][0]
        stage.say(
            f"load p50 {before['p50_ms']:.1f} → {after['p50_ms']:.1f} ms, p95 {before['p95_ms']:.1f} → "
            f"{after['p95_ms']:.1f} ms after the change (70 % of the load is GETs, the ones a cache can serve; "
            "the second run was compared with the first)"
        )
        stage.check(second["previous_started_at"] == first["started_at"], "the second run was not compared")
        stage.say("Alice checks the results from Slack: `/perf loadtest status`")
        stage.slash("loadtest status", channel=DEMO_CHANNEL)


def _loadtest(stage: DemoStage, url: str, profile: str = "load", *, post: bool = True) -> dict[str, Any]:
    from bot.cli import main

    args = ["--url", url, "--profile", profile, "--scale", "0.1", "--no-progress", "--json", str(RESULTS)]
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["loadtest", *args, *(["--post"] if post else [])])
    stage.say(f"`python -m bot loadtest --profile {profile}{' --post' if post else ''}` →\n" + out.getvalue().rstrip())
    stage.check(code in (0, 1), f"the load test failed to run (exit {code})")
    return dict(json.loads(RESULTS.read_text()))


MODELLED = {
    "apigw_cache",
    "lambda_memory",
    "lambda_provisioned_concurrency",
    "dynamodb_capacity",
}  # the service's knobs


def _new_card(stage: DemoStage, focus: str) -> Any:
    from bot.changes.store import proposal_store

    known = {p.id for p in proposal_store().pending()}
    stage.slash(f"analyze {focus}", channel=DEMO_CHANNEL)
    fresh = [p for p in proposal_store().pending() if p.id not in known and p.message_ts and p.kind in MODELLED]
    return fresh[-1] if fresh else None
