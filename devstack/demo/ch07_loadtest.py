"""Chapter 7: the monitored service runs for real. A short load test measures it, perfbot recommends, the approved
change reconfigures the running service, a second load test shows the effect against the first, and perfbot's
post-change verification compares the metrics the service published before and after the change."""

from __future__ import annotations

import io
import json
import time
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from devstack.demo.ch06_changes import CAROL
from devstack.demo.stage import ALICE, DEMO_CHANNEL, DemoStage

RESULTS = Path("build/demo-loadtest.json")


def run(stage: DemoStage) -> None:
    from bot.settings import get_settings
    from devstack.service import MonitoredService

    with MonitoredService(get_settings(), breaker_open_timeout_s=2) as service:
        stage.say(f"monitoring-api runs for real on loopback: SERVICE_URL={service.url}")
        stage.say("First the guide's baseline health check, which also warms the service's containers up")
        baseline = _loadtest(stage, service.url, "baseline", post=False)  # warm containers: not cold vs warm
        if not all(check["met"] for check in baseline["slo_checks"]):
            stage.say(
                "The service had just started: the health checks met cold containers and paid their init "
                "(≈ 420 ms at 1024 MB), hence the p95 over its SLO. The containers are warm now"
            )
        first = _loadtest(stage, service.url)
        card = None
        for focus in FOCUSES:  # the cache first (70 % of the load is reads); else another knob the service models
            stage.say(f"Alice asks perfbot what to tune now: `/perf analyze {focus}`")
            card = _new_card(stage, focus)
            if card is not None:
                break
        if card is None:
            stage.say("perfbot has no new recommendation for the measured service; nothing to apply")
            return
        approver, name = (CAROL, "Carol") if card.risk == "high" else (ALICE, "Alice")  # not the requester's call
        stage.say(f"{name} approves `{card.id}`: {card.target} {card.before} → {card.after}")
        stage.approve(card, user=approver, reason="the load test shows the gain")
        applied = _applied(card.id)
        stage.check(applied is not None, f"the approved change {card.id} was not applied")
        if applied is None:
            return
        service.refresh_config()
        stage.say(f"The running service now reads {service.core.config.current if service.core else '?'}")
        waited = _into_the_next_minute(card.id)
        stage.say(
            f"CloudWatch keeps one datapoint a minute: the second run starts in the minute after the change "
            f"(waited {waited:.0f} s), so the verification has datapoints of the changed service"
        )
        second = _loadtest(stage, service.url)
        before, after = first["phases"][0], second["phases"][0]
        stage.say(
            f"load p50 {before['p50_ms']:.1f} → {after['p50_ms']:.1f} ms, p95 {before['p95_ms']:.1f} → "
            f"{after['p95_ms']:.1f} ms after the change (70 % of the load is GETs, 30 % writes; the second run was "
            "compared with the first)"
        )
        stage.check(second["previous_started_at"] == first["started_at"], "the second run was not compared")
        _verify(stage, service, card.id)
        stage.say("Alice checks the results from Slack: `/perf loadtest status`")
        stage.slash("loadtest status", channel=DEMO_CHANNEL)


def _applied(change_id: str) -> Any:
    from bot.changes.store import proposal_store

    p = proposal_store().get(change_id)
    return p if p is not None and p.state == "applied" else None


def _into_the_next_minute(change_id: str) -> float:
    """Sleep until the minute after the change was applied has begun (at most a minute); returns the seconds slept."""
    from bot.changes.store import proposal_store

    applied = datetime.fromisoformat(proposal_store().get(change_id).applied_at)
    boundary = applied.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=1)
    wait = max(0.0, min(61.0, boundary.timestamp() - time.time()))
    time.sleep(wait)
    return wait


def _verify(stage: DemoStage, service: Any, change_id: str) -> None:
    """The schedule's ``verify`` task, as EventBridge would run it when the change is due, on what the running
    service published (its requests' latencies, flushed to CloudWatch now instead of at the next flush)."""
    from bot.changes.store import proposal_store

    service.recorder.flush()
    applied = proposal_store().get(change_id)
    stage.say(
        'The schedule verifies the change when it is due (`{"task": "verify"}`): perfbot reads the change\'s metric '
        "from CloudWatch, the quarter hour before the change against the quarter hour after it"
    )
    due = datetime.fromisoformat(applied.verify_due_at) + timedelta(minutes=1)
    result = stage.schedule({"task": "verify", "time": due.isoformat()})
    stage.check(change_id in result.get("verified", []), f"verification did not run: {result}")
    verified = proposal_store().get(change_id).verification
    stage.check("not enough" not in verified, f"the verification had no data to compare: {verified}")
    stage.say(
        f"perfbot's verification: {verified} Its windows hold everything CloudWatch has for that metric: here the "
        "simulated day (and chapter 6's simulated quarter hour after its change) besides the two short runs, so it "
        "can disagree with the load test, which measured only the runs; on a deployment they hold the service's own "
        "traffic"
    )


def _loadtest(stage: DemoStage, url: str, profile: str = "load", *, post: bool = True) -> dict[str, Any]:
    from bot.cli import main

    args = ["--url", url, "--profile", profile, "--scale", "0.1", "--no-progress", "--json", str(RESULTS)]
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["loadtest", *args, *(["--post"] if post else [])])
    stage.say(f"`python -m bot loadtest --profile {profile}{' --post' if post else ''}` →\n" + out.getvalue().rstrip())
    stage.check(code in (0, 1), f"the load test failed to run (exit {code})")
    return dict(json.loads(RESULTS.read_text()))


FOCUSES = ("cache", "memory", "capacity")
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
