"""Change cards: only ids in buttons, a reason modal for high risk, outside text escaped, Slack's limits kept."""

from __future__ import annotations

import json

from bot.audit import AuditEvent
from bot.changes.verify import Verification
from bot.slack.render import changes as render
from bot.slack.render.kit import MAX_BLOCKS
from tests.support.change_factories import proposal


def dump(blocks: object) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def buttons(blocks: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]  # type: ignore[attr-defined]


def test_pending_card_buttons_carry_only_the_id() -> None:
    p = proposal()
    _, blocks = render.card(p)
    found = buttons(blocks)
    assert [(b["action_id"], b["value"]) for b in found] == [("approve_proposal", p.id), ("reject_proposal", p.id)]
    assert all("confirm" not in b for b in found)
    assert "1024 MB" in dump(blocks) and "1536 MB" in dump(blocks)


def test_high_risk_approve_asks_for_a_reason() -> None:
    """A high-risk Approve opens the reason modal (bot.slack.listeners.modals) instead of a bare confirm dialog."""
    p = proposal(risk="high")
    _, blocks = render.card(p)
    approve = buttons(blocks)[0]
    assert approve["style"] == "primary" and (approve["action_id"], approve["value"]) == ("approve_with_reason", p.id)


def test_hostile_rationale_is_escaped() -> None:
    _, blocks = render.card(proposal(rationale="<!channel> click <https://evil.example|here> & approve"))
    text = dump(blocks)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "&amp; approve" in text


def test_card_follows_the_states() -> None:
    applying = proposal(state="applying", approved_by="U0APPROVER1")
    assert "Applying… approved by <@U0APPROVER1>" in dump(render.card(applying)[1])
    applied = proposal(
        state="applied",
        approved_by="U0APPROVER1",
        applied_at="2026-11-26T19:00:00+00:00",
        read_back={"memory_mb": 1536},
    )
    _, blocks = render.card(applied)
    assert [b["action_id"] for b in buttons(blocks)] == ["undo_change"]
    drift = proposal(state="failed", error="drift", live={"memory_mb": 2048})
    assert "now 2048 MB" in dump(render.card(drift)[1])
    failed = proposal(state="failed", error="UpdateFunctionConfiguration failed: <boom>", live={"memory_mb": 1024})
    text = dump(render.card(failed)[1])
    assert "Applying failed" in text and "&lt;boom&gt;" in text and buttons(render.card(failed)[1]) == []


def test_regression_offers_revert_only_when_not_reverting_by_itself() -> None:
    p = proposal(state="applied")
    regression = Verification("Duration p95", 800, 1200, True, "worse")
    assert [b["action_id"] for b in buttons(render.verification_blocks(p, regression, revert=None)[1])] == [
        "revert_change"
    ]
    revert = proposal(undo_of=p.id, risk="medium")
    assert buttons(render.verification_blocks(p, regression, revert=revert)[1]) == []
    assert "Reverted automatically" in dump(render.verification_blocks(p, regression, revert=revert)[1])
    waiting = dump(render.verification_blocks(p, regression, revert=revert.model_copy(update={"risk": "high"}))[1])
    assert "high-risk" in waiting and revert.id in waiting
    fine = Verification("Duration p95", 800, 600, False, "better")
    assert buttons(render.verification_blocks(p, fine, revert=None)[1]) == []


def test_long_audit_listings_stay_within_slack_limits() -> None:
    events = [
        AuditEvent(action="refused", actor="U0BOB", change_id=f"chg-{i:010x}", resource="fn", detail="x" * 500, seq=i)
        for i in range(400)
    ]
    _, blocks = render.audit_blocks(events, "Audit log")
    assert len(blocks) <= MAX_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)


def test_the_impact_is_said_once() -> None:
    from bot.changes.models import Impact

    said_twice = Impact(p95_ms_delta=-260, monthly_cost_delta_usd=14.6, summary="API p95 about -260 ms, +$14.60/month")
    text = dump(render.card(proposal(impact=said_twice))[1])
    assert (
        text.count("-260 ms") == 1 and text.count("14.60") == 1
    )  # was "p95 -260 ms · +14.60 $/month · API p95 about…"
    numbers_only = Impact(p95_ms_delta=-900, monthly_cost_delta_usd=12.5, summary="faster")
    assert "p95 -900 ms · +12.50 $/month · faster" in dump(render.card(proposal(impact=numbers_only))[1])
