"""Exactly once: 100 concurrent approvals of one proposal, a burst of signed clicks and Slack retries, and Undo,
Approve (one or two approvers), Revert and auto-revert clicked or run many times at once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.audit import audit_log
from bot.changes.authorize import Click
from bot.changes.store import proposal_store
from bot.slack.app import slack_client
from bot.slack.delivery.changes import change_orchestrator
from bot.slack.listeners.changes import SlackDirectory
from devstack import lambdas
from tests.support import monitored
from tests.support.aws_hooks import count_calls
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import (
    ALICE,
    BOB,
    CAROL,
    approve,
    buttons,
    card_for,
    card_text,
    click,
    click_event,
    ephemerals_for,
    reason_view,
    submission_event,
)

pytestmark = pytest.mark.functional


def test_100_concurrent_approvals_apply_once(function: Any) -> None:
    p = card_for(function, memory_rec())
    orch = change_orchestrator()
    directory = SlackDirectory(slack_client())
    barrier = threading.Barrier(100)
    statuses: list[str] = []

    def approve(i: int) -> None:
        clicker = Click(user=(ALICE, CAROL)[i % 2], channel_id=p.channel, channel_name="perf-alerts")
        barrier.wait()
        statuses.append(orch.approve(p.id, clicker, directory).status)

    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        threads = [threading.Thread(target=approve, args=(i,)) for i in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(updates) == 1
    assert Counter(statuses) == {"applied": 1, "already": 99}
    assert [e.action for e in audit_log().for_change(p.id)].count("applied") == 1
    assert [e.action for e in audit_log().for_change(p.id)].count("approved") == 1
    assert monitored.memory_of() == 1536
    assert audit_log().verify_chain().ok


def test_concurrent_signed_clicks_and_slack_retries_apply_once(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    events = [
        click_event(
            function,
            "approve_proposal",
            p.id,
            user=(ALICE, CAROL)[i % 2],
            message_ts=p.message_ts,
            retry_num=(i % 3) or None,
        )
        for i in range(24)
    ]
    barrier = threading.Barrier(len(events))
    responses: list[int] = []

    def send(event: dict[str, Any]) -> None:
        barrier.wait()
        responses.append(lambdas.invoke("slack", event)["statusCode"])

    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        threads = [threading.Thread(target=send, args=(e,)) for e in events]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert lambdas.wait_idle(60)
    assert responses == [200] * len(events)  # every click is acknowledged at once
    assert len(updates) == 1
    actions = [e.action for e in audit_log().for_change(p.id)]
    assert actions == ["proposed", "approved", "applied"]
    assert monitored.memory_of() == 1536
    assert "Applied" in card_text(function, p) and buttons(function, p) == ["undo_change"]
    told = ephemerals_for(function, ALICE) + ephemerals_for(function, CAROL)
    assert len(told) == len(events) - 1  # every losing click hears who won
    assert all("Already applied by" in t or "is applying this change right now" in t for t in told)


# -- Undo, Approve, Revert and /perf analyze, each clicked or run many times at once --------------------------------


def send_at_once(events: list[dict[str, Any]], function: str = "slack") -> list[int]:
    """Each event through the function's handler on its own thread, all released together; then the lazy work."""
    barrier = threading.Barrier(len(events))
    answers: list[int] = []

    def send(event: dict[str, Any]) -> None:
        barrier.wait()
        answer = lambdas.invoke(function, event)
        answers.append(answer.get("statusCode", 200) if isinstance(answer, dict) else 200)

    threads = [threading.Thread(target=send, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert lambdas.wait_idle(120)
    return answers


def applied_card(function: Any, before: int = 1024, after: int = 1280, requester: str = "perfbot") -> Any:
    p = card_for(function, memory_rec(before=before, after=after), requester=requester)
    click(None, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert monitored.memory_of() == after
    return proposal_store().get(p.id)


def undo_cards(function: Any, p: Any) -> list[Any]:
    return [m for m in function.slack.replies("#perf-alerts", p.message_ts) if "Undo:" in m.plain_text()]


def test_21_concurrent_undo_clicks_make_one_undo_one_card_and_one_apply(function: Any, slack_handler: Any) -> None:
    p = applied_card(function)  # 1024 → 1280 MB; its undo is medium risk: the clicker approves it
    events = [
        click_event(function, "undo_change", p.id, user=(ALICE, CAROL)[i % 2], message_ts=p.message_ts)
        for i in range(21)
    ]
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        assert send_at_once(events) == [200] * 21
    assert len(updates) == 1 and monitored.memory_of() == 1024
    [undo] = pending_or_decided_undos(p.id)
    assert [m.ts for m in undo_cards(function, p)] == [undo.message_ts]  # one card
    assert [e.action for e in audit_log().for_change(undo.id)] == ["proposed", "approved", "applied"]
    assert [e.action for e in audit_log().for_change(p.id)].count("undo_requested") == 1
    told = ephemerals_for(function, ALICE) + ephemerals_for(function, CAROL)
    assert len(told) == 20 and all(t.startswith(("Already being undone", "Already undone")) for t in told), told
    assert audit_log().verify_chain().ok


def pending_or_decided_undos(original_id: str) -> list[Any]:
    from tests.functional.test_changes_undo import undo_proposals

    return [proposal_store().get(item["id"]["S"]) for item in undo_proposals(original_id)]


def test_two_approvers_at_once_on_a_high_risk_change_perfbot_proposed_apply_it_once(
    function: Any, slack_handler: Any
) -> None:
    p = card_for(function, memory_rec(after=1536, risk="high"))  # the schedule's: nobody asked, two people decide
    views = {user: reason_view(slack_handler, function, p, user=user) for user in (ALICE, CAROL)}
    events = [submission_event(function, views[user], user=user) for user in (ALICE, CAROL)]
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        send_at_once(events)
    assert len(updates) == 1 and monitored.memory_of() == 1536
    actions = [e.action for e in audit_log().for_change(p.id)]
    assert actions == ["proposed", "first_approval", "approved", "applied"]
    stored = proposal_store().get(p.id)
    assert {stored.approvals[0], stored.approved_by} == {ALICE, CAROL}
    assert "Applied" in card_text(function, p)


def test_the_same_approver_twice_at_once_does_not_make_two_approvals(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec(after=1536, risk="high"))
    view = reason_view(slack_handler, function, p, user=ALICE)
    events = [submission_event(function, view, user=ALICE) for _ in range(5)]
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        send_at_once(events)
    assert updates == [] and monitored.memory_of() == 1024
    stored = proposal_store().get(p.id)
    assert (stored.state, stored.approvals) == ("proposed", [ALICE])
    actions = Counter(e.action for e in audit_log().for_change(p.id))  # the refusals may come before the approval
    assert actions == {"proposed": 1, "first_approval": 1, "refused": 4}
    assert "a second approver is needed" in card_text(function, p)
    told = ephemerals_for(function, ALICE)
    assert sum("Your approval" in t for t in told) == 1 and sum("You approved this already" in t for t in told) == 4
    approve(slack_handler, function, p, user=CAROL)
    assert monitored.memory_of() == 1536


def test_two_approvers_at_once_on_a_high_risk_change_a_person_asked_for_apply_it_once(
    function: Any, slack_handler: Any
) -> None:
    p = card_for(function, memory_rec(after=1536, risk="high"), requester=BOB)
    views = {user: reason_view(slack_handler, function, p, user=user) for user in (ALICE, CAROL)}
    events = [submission_event(function, views[user], user=user) for user in (ALICE, CAROL) * 3]
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        send_at_once(events)
    assert len(updates) == 1
    assert [e.action for e in audit_log().for_change(p.id)] == ["proposed", "approved", "applied"]


def test_five_revert_clicks_at_once_revert_once(function: Any, slack_handler: Any) -> None:
    from tests.functional.test_changes_flow import put_durations, run_task

    p = applied_card(function)
    put_durations(datetime.fromisoformat(p.applied_at), before_ms=800, after_ms=1200)
    run_task("verify", time=(datetime.fromisoformat(p.verify_due_at) + timedelta(minutes=1)).isoformat())
    [reply] = [m for m in function.slack.replies("#perf-alerts", p.message_ts) if "Verification" in m.plain_text()]
    events = [
        click_event(function, "revert_change", p.id, user=(ALICE, CAROL)[i % 2], message_ts=reply.ts) for i in range(5)
    ]
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        send_at_once(events)
    assert len(updates) == 1 and monitored.memory_of() == 1024
    assert len(undo_cards(function, p)) == 1 and proposal_store().get(p.id).state == "rolled_back"


def test_verification_runs_at_once_auto_revert_once(
    function: Any, slack_handler: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from tests.functional.test_changes_flow import put_durations

    with_config(monkeypatch, tmp_path, auto_revert_on_regression=True)
    p = applied_card(function)
    put_durations(datetime.fromisoformat(p.applied_at), before_ms=800, after_ms=1200)
    due = (datetime.fromisoformat(p.verify_due_at) + timedelta(minutes=1)).isoformat()
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        send_at_once([{"task": "verify", "time": due}] * 3, function="schedule")
    assert len(updates) == 1 and monitored.memory_of() == 1024
    original = proposal_store().get(p.id)
    assert original.state == "rolled_back" and len(undo_cards(function, p)) == 1
    assert [e.action for e in audit_log().for_change(p.id)].count("verified") == 1
    applied = [e.actor for e in audit_log().for_change(original.undone_by) if e.action == "applied"]
    assert applied == ["perfbot:auto-revert"]


def test_a_high_risk_auto_revert_needs_two_people(
    function: Any, slack_handler: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """The revert of 1024 → 2048 MB is a cut to half: high risk by the kind's table. perfbot asked for it itself, so
    one approver is not enough."""
    from tests.functional.test_changes_flow import put_durations, run_task

    with_config(monkeypatch, tmp_path, auto_revert_on_regression=True)
    p = applied_card(function, after=2048)
    put_durations(datetime.fromisoformat(p.applied_at), before_ms=800, after_ms=1200)
    run_task("verify", time=(datetime.fromisoformat(p.verify_due_at) + timedelta(minutes=1)).isoformat())
    [undo] = pending_or_decided_undos(p.id)
    assert (undo.risk, undo.state, undo.requester) == ("high", "proposed", "perfbot:auto-revert")
    assert monitored.memory_of() == 2048
    approve(slack_handler, function, undo, user=ALICE)
    assert monitored.memory_of() == 2048 and proposal_store().get(undo.id).approvals == [ALICE]
    approve(slack_handler, function, undo, user=CAROL)
    assert monitored.memory_of() == 1024 and proposal_store().get(p.id).state == "rolled_back"


def test_an_undo_clicked_by_one_approver_that_cuts_memory_in_half_needs_another(
    function: Any, slack_handler: Any
) -> None:
    p = applied_card(function, after=2048)  # the undo of 1024 → 2048 MB is a cut to 1024 MB: high risk
    click(slack_handler, function, "undo_change", p.id, user=CAROL, message_ts=p.message_ts)
    [undo] = pending_or_decided_undos(p.id)
    assert (undo.risk, undo.state) == ("high", "proposed") and monitored.memory_of() == 2048
    approve(slack_handler, function, undo, user=CAROL)
    assert monitored.memory_of() == 2048  # the one who asked cannot approve it too
    approve(slack_handler, function, undo, user=ALICE)
    assert monitored.memory_of() == 1024


def with_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, **changes: Any) -> None:
    import yaml

    from bot.settings import DEFAULT_CONFIG, reset_settings

    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["changes"].update(changes)
    (tmp_path / "perfbot.yml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("PERFBOT_CONFIG", str(tmp_path / "perfbot.yml"))
    reset_settings()
