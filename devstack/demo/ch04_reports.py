"""Chapter 4: the team asks perfbot whether they are inside their SLOs, what the breaker does, and for a graph."""

from __future__ import annotations

from devstack.demo.stage import ALICE, BOB, DEMO_CHANNEL, DemoStage


def _latest(stage: DemoStage) -> tuple[str, bool, str]:
    """(text, edited, ts) of the newest top-level message in the demo channel."""
    messages = stage.emu.messages(DEMO_CHANNEL)
    if not messages:
        return "", False, ""
    last = messages[-1]
    return last.plain_text(), last.edited, last.ts


def _one_png_in_thread(stage: DemoStage, files_before: int, ts: str) -> bool:
    """Exactly one file was uploaded since ``files_before``: a PNG, in the thread of the message ``ts``."""
    new = stage.emu.files()[files_before:]
    return len(new) == 1 and new[0].content.startswith(b"\x89PNG") and new[0].thread_ts == ts


def run(stage: DemoStage) -> None:
    stage.say("Alice asks the question everyone asks during an incident: `/perf sla`")
    before = len(stage.emu.messages(DEMO_CHANNEL))
    stage.slash("sla", user=ALICE)
    text, edited, _ = _latest(stage)
    stage.check(len(stage.emu.messages(DEMO_CHANNEL)) == before + 1, "/perf sla did not post one message")
    stage.check(edited and "Working" not in text, "/perf sla did not replace its working… message")
    stage.check("SLA — last 24h" in text and "Availability" in text, "/perf sla posted no SLA report")
    stage.check("Error budget (30 d)" in text and "Burn rate" in text, "/perf sla showed no budget or burn rate")
    stage.check("did not answer" not in text, "/perf sla is missing numbers CloudWatch should have")
    calls = stage.emu.calls
    stage.say(f"  (one report, {calls['chat.postMessage']} posts and {calls['chat.update']} updates so far)")

    stage.say("Bob wants the last hour only: `/perf sla monitoring-api 1h`")
    stage.slash("sla monitoring-api 1h", user=BOB)
    text, _, _ = _latest(stage)
    stage.check("SLA — last 1h" in text, "/perf sla monitoring-api 1h posted no 1-hour report")

    stage.say("Is the circuit breaker still open? `/perf breaker`")
    stage.slash("breaker", user=ALICE)
    text, _, _ = _latest(stage)
    stage.check("monitoring-api" in text and "failures" in text, "/perf breaker did not show the breaker")

    stage.say("Alice wants the latency graph: `/perf metrics monitoring-api latency`")
    files_before = len(stage.emu.files())
    stage.slash("metrics monitoring-api latency", user=ALICE)
    text, _, ts = _latest(stage)
    stage.check("API Gateway latency" in text and "Latest" in text, "/perf metrics posted no summary")
    stage.check(_one_png_in_thread(stage, files_before, ts), "/perf metrics attached no PNG graph in the thread")

    stage.say("When is the service busy? `/perf usage` reads 14 days of hourly requests")
    files_before = len(stage.emu.files())
    stage.slash("usage", user=ALICE)
    text, _, ts = _latest(stage)
    stage.check("Usage patterns" in text and "peak" in text, "/perf usage showed no peak hours")
    stage.check(_one_png_in_thread(stage, files_before, ts), "/perf usage attached no heat map in the thread")

    stage.say("Bob mistypes a window: `/perf sla 5h`")
    before = len(stage.emu.messages(DEMO_CHANNEL))
    stage.slash("sla 5h", user=BOB)
    stage.check(len(stage.emu.messages(DEMO_CHANNEL)) == before, "a bad window still posted in the channel")
    usage = [m for m in stage.emu.ephemerals(DEMO_CHANNEL, BOB) if "Usage: `/perf sla" in m.text]
    stage.check(bool(usage), "a bad window got no usage line")
