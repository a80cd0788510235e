"""Chapter 5: after the incident `/perf analyze` looks at the day, not the incident hour — it posts a summary and a
card for the day's steady-state finding (idle read capacity); asking again shows that a pending recommendation is not
proposed twice."""

from __future__ import annotations

import json

from devstack.demo.stage import ALICE, BOB, DEMO_CHANNEL, DemoStage


def run(stage: DemoStage) -> None:
    before = {m.ts for m in stage.emu.messages(DEMO_CHANNEL)}
    stage.say("Alice asks perfbot what to tune after the incident: `/perf analyze`")
    stage.slash("analyze", user=ALICE)
    new = [m for m in stage.emu.messages(DEMO_CHANNEL) if m.ts not in before and not m.is_reply]
    summaries = [m for m in new if "for monitoring-api (" in m.text]
    stage.check(len(summaries) == 1, f"`/perf analyze` posted {len(summaries)} summaries")
    cards = [m for m in new if m not in summaries]
    stage.check(bool(cards), "`/perf analyze` posted no recommendation card for the day")
    for card in cards:
        text = json.dumps(card.blocks)
        stage.check("Risk" in text and "$" in text, f"a card lacks its risk or cost impact: {card.text}")
    if summaries:
        stage.say(f"perfbot: {summaries[0].text}")

    stage.say("Bob asks again a minute later: `/perf analyze capacity`")
    before = {m.ts for m in stage.emu.messages(DEMO_CHANNEL)}
    stage.slash("analyze capacity", user=BOB)
    again = [m for m in stage.emu.messages(DEMO_CHANNEL) if m.ts not in before and not m.is_reply]
    stage.check(
        len(again) == 1 and again[0].text.startswith("No new recommendations"),
        "a recommendation that is already pending was proposed again",
    )
    if again:
        stage.say(f"perfbot: {again[0].text} — the pending card stays the one to decide on")
