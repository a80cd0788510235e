"""Chapter 3: the simulated incident fires API-HighLatency-P95 → one message with its graph; Alice acknowledges; the
recovery edits the original; a re-fire shortly after (OK → ALARM: CloudWatch notifies on transitions only) goes to the
thread and the message counts it.

moto never evaluates alarms, so the chapter plays CloudWatch: it reads the alarm definition and the incident's p95
values from the embedded AWS, sets the alarm state there, and sends what CloudWatch → SNS → Lambda would send.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.demo.stage import ALICE, DEMO_CHANNEL, DemoStage

ALARM = "API-HighLatency-P95"


def _p95_values(definition: dict[str, Any], now: datetime) -> list[float]:
    from bot.aws.cloudwatch import CloudWatchGateway, MetricQuery

    query = MetricQuery(
        id="p95",
        namespace=definition["Namespace"],
        metric=definition["MetricName"],
        dimensions=tuple((d["Name"], d["Value"]) for d in definition.get("Dimensions", [])),
        stat=definition.get("ExtendedStatistic") or definition.get("Statistic") or "Average",
        period=int(definition.get("Period") or 300),
    )
    series = CloudWatchGateway().get_metric_data([query], now - timedelta(hours=1), now)["p95"]
    return series.values


def _change(
    stage: DemoStage, definition: dict[str, Any], state: str, previous: str, at: datetime, observed: float
) -> dict[str, Any]:
    """Set the alarm's state in the embedded CloudWatch and deliver CloudWatch's SNS notification of it."""
    from bot.aws.clients import client
    from devstack.alarm_events import alarm_message, sns_event, threshold_reason

    reason = threshold_reason(definition, state, observed, at)
    client("cloudwatch").set_alarm_state(AlarmName=ALARM, StateValue=state, StateReason=reason)
    return stage.alarm(sns_event([alarm_message(definition, state, previous=previous, at=at, observed=observed)]))


def run(stage: DemoStage) -> None:
    from bot.aws.cloudwatch import CloudWatchGateway

    found = [a for a in CloudWatchGateway().describe_alarms([ALARM]) if a["AlarmName"] == ALARM]
    stage.check(bool(found), f"the devstack has no {ALARM} alarm (did chapter 1 simulate the service?)")
    if not found:
        return
    definition = found[0]
    now = datetime.now(UTC)
    values = _p95_values(definition, now)
    threshold = float(definition["Threshold"])
    breaching = sorted((v for v in values if v > threshold), reverse=True)
    stage.check(bool(breaching), f"the simulated incident never took p95 above {threshold:g} ms")
    peak, second = (breaching + [threshold * 1.6] * 2)[:2]
    calm = min(values) if values else threshold / 2

    stage.say(f"CloudWatch: {ALARM} goes into ALARM — the incident's p95 reached {peak:.0f} ms")
    summary = _change(stage, definition, "ALARM", "OK", now - timedelta(minutes=14), peak)
    messages = [m for m in stage.emu.messages(DEMO_CHANNEL) if ALARM in m.text and not m.is_reply]
    stage.check(summary.get("posted") == 1 and len(messages) == 1, f"the alarm did not post one message: {summary}")
    if not messages:
        return
    original = messages[-1]
    graphs = [f for f in stage.emu.files() if f.thread_ts == original.ts]
    stage.check(bool(graphs), "the alarm message has no graph in its thread")

    stage.say("Alice presses Acknowledge")
    response = stage.click("alarm_ack", ALARM, user=ALICE, message_ts=original.ts)
    stage.check(response.get("statusCode") == 200, f"the Acknowledge click answered {response.get('statusCode')}")

    stage.say(f"The latency is back to {calm:.0f} ms: CloudWatch sends OK")
    summary = _change(stage, definition, "OK", "ALARM", now - timedelta(minutes=2), calm)
    edited = next(m for m in stage.emu.messages(DEMO_CHANNEL) if m.ts == original.ts)
    stage.check(
        summary.get("resolved") == 1 and "Resolved after 12 min" in edited.plain_text(),
        "the recovery did not edit the original message",
    )
    stage.check("Acknowledged by" in edited.plain_text(), "the message does not say who acknowledged it")

    stage.say(f"A minute later the p95 is back at {second:.0f} ms: CloudWatch sends ALARM again (OK → ALARM)")
    summary = _change(stage, definition, "ALARM", "OK", now - timedelta(minutes=1), second)
    replies = stage.emu.replies(DEMO_CHANNEL, original.ts)
    edited = next(m for m in stage.emu.messages(DEMO_CHANNEL) if m.ts == original.ts)
    stage.check(
        summary.get("threaded") == 1 and any("fired again" in r.text for r in replies),
        f"the re-fire did not go to the thread: {summary}",
    )
    stage.check("Fired 2×" in edited.plain_text(), "the message does not count the re-fire")
