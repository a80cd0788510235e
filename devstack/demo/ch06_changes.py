"""Chapter 6: an approver clicks Approve; the change lands in AWS exactly once, is audited, verified and undone."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from typing import Any

from devstack.demo.stage import ALICE, BOB, DEMO_CHANNEL, DemoStage

CAROL = "U0APPROVER2"  # the second approver in the shipped perfbot.yml


def run(stage: DemoStage) -> None:
    from bot.audit import audit_log
    from bot.changes.kinds import describe_values, handler_for
    from bot.changes.store import proposal_store

    stage.emu.add_user(CAROL, "carol", "Carol Approver")
    p = _a_pending_proposal(stage)
    if p is None:
        stage.check(False, "no recommendation card with Approve / Reject to act on")
        return
    live = handler_for(p.kind)
    stage.say(f"Bob (not an approver) clicks Approve on `{p.id}` ({p.kind} of {p.target})")
    stage.approve(p, user=BOB, reason="I want it faster")
    stage.check(proposal_store().get(p.id).state == "proposed", "a non-approver's click changed the proposal")

    approver = CAROL if p.requester == ALICE and p.risk == "high" else ALICE
    name = "Carol" if approver == CAROL else "Alice"
    how = "writes why in the reason modal a high-risk Approve opens" if p.risk == "high" else "approves"
    stage.say(f"{name} {how}; Slack re-sends the request too (X-Slack-Retry-Num: 1) — one apply, the retry is told so")
    stage.approve(p, user=approver, reason="p95 is over the SLO at the evening peak", retried=True)
    applied = proposal_store().get(p.id)
    stage.check(applied.state == "applied", f"the approved change is {applied.state}: {applied.error}")
    now = live.read_current(p.target)
    stage.say(f"boto3 reads {p.target} back: {describe_values(p.kind, now)} (was {describe_values(p.kind, p.before)})")
    stage.check(_same(now, p.after), f"AWS reports {now}, expected {p.after}")
    applies = [e for e in audit_log().for_change(p.id) if e.action == "applied"]
    stage.check(len(applies) == 1, f"{len(applies)} 'applied' audit events for one approval")

    stage.say("Fifteen minutes later the schedule verifies the change against the metrics")
    _simulate_after(stage, applied)
    due = datetime.fromisoformat(applied.verify_due_at) + timedelta(minutes=1)
    result = stage.schedule({"task": "verify", "time": due.isoformat()})
    stage.check(result.get("verified") == [p.id], f"verification did not run: {result}")

    stage.say("Alice asks for the change's audit trail: `/perf audit " + p.id + "`")
    stage.slash(f"audit {p.id}")

    stage.say("Carol clicks Undo on the card — twice, and Slack re-sends a click: one undo, applied once")
    stage.click("undo_change", p.id, user=CAROL, message_ts=p.message_ts)
    stage.click("undo_change", p.id, user=CAROL, message_ts=p.message_ts)
    stage.click("undo_change", p.id, user=CAROL, message_ts=p.message_ts, retry_num=1)
    undos = [q for q in proposal_store().pending() if q.undo_of == p.id]
    if undos:
        [undo] = undos
        undo_value = describe_values(p.kind, undo.after)
        stage.say(f"The undo ({undo_value}) is {undo.risk}-risk by its own rule: Alice approves it")
        stage.approve(undo, user=ALICE, reason="the change made p95 worse")
    restored = live.read_current(p.target)
    stage.check(_same(restored, p.before), f"Undo left {restored}, expected {p.before}")
    stage.check(proposal_store().get(p.id).state == "rolled_back", "the original change is not marked rolled back")
    stage.say(f"boto3 reads {p.target} back: {describe_values(p.kind, restored)} again")

    from bot.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["audit", "verify"])
    stage.say(f"`python -m bot audit verify` → {out.getvalue().strip()}")
    stage.check(code == 0, "the audit chain does not verify")


def _a_pending_proposal(stage: DemoStage) -> Any:
    """The newest card from the analysis chapter; run `/perf analyze` if there is none yet."""
    from bot.changes.store import proposal_store

    for attempt in range(2):
        pending = [p for p in proposal_store().pending() if p.message_ts]
        if pending:
            return next((p for p in pending if p.kind == "lambda_memory"), pending[-1])
        if attempt == 0:
            stage.say("Alice asks for recommendations: `/perf analyze`")
            stage.slash("analyze", channel=DEMO_CHANNEL)
    return None


def _simulate_after(stage: DemoStage, p: Any) -> None:
    """The service's p95 in the quarter hour after the change: 25 % better than before it."""
    import boto3

    from bot.aws.cloudwatch import CloudWatchGateway
    from bot.changes.verify import metric_for
    from bot.settings import get_settings

    query = metric_for(p, get_settings())
    applied = datetime.fromisoformat(p.applied_at)
    window = timedelta(minutes=get_settings().changes.verify_after_min)
    before = CloudWatchGateway().get_metric_data([query], applied - window, applied)[query.id].values
    level = (sorted(before)[len(before) // 2] if before else 400.0) * 0.75
    cloudwatch = boto3.client("cloudwatch")
    for minute in range(int(window.total_seconds() // 60)):
        cloudwatch.put_metric_data(
            Namespace=query.namespace,
            MetricData=[
                {
                    "MetricName": query.metric,
                    "Dimensions": [{"Name": n, "Value": v} for n, v in query.dimensions],
                    "Timestamp": applied + timedelta(minutes=minute, seconds=30),
                    "Values": [level * 0.9, level, level * 1.05],
                    "Counts": [30, 60, 10],
                    "Unit": "Milliseconds",
                }
            ],
        )


def _same(live: dict[str, Any], expected: dict[str, Any]) -> bool:
    from bot.changes.kinds import same_values

    return same_values(expected, live)
