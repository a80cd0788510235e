"""The change state machine on in-memory ports: propose → approve → apply → verify, and every way off that path —
drift, AWS errors, read-back mismatches, reject and withdraw, expiry, interrupted applies, auto-apply, auto-revert."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.analysis.models import Recommendation
from bot.aws.clients import AwsError
from bot.changes.authorize import Click
from bot.changes.models import Proposal
from bot.changes.verify import Verification
from tests.support.change_factories import FakeDirectory, memory_rec, proposal
from tests.support.fakes import Flow, at_once, flow, settings

ALICE, CAROL, BOB = "U0APPROVER1", "U0APPROVER2", "U0BOB"
ALERTS = "C0PERFALRT"
directory = FakeDirectory()


def click(user: str = ALICE, channel: str = ALERTS) -> Click:
    return Click(user=user, channel_id=channel, slack_ids={"trigger_id": "t1"})


def test_propose_stores_audits_and_posts_the_card() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(), "U0REQUESTR", ALERTS, thread_ts="1699999999.000100")
    assert (p.state, p.channel, p.message_ts) == ("proposed", ALERTS, "1700000000.000001")
    assert f.store.get(p.id).message_ts == p.message_ts
    assert [(card.id, thread) for card, thread in f.notifier.posted] == [(p.id, "1699999999.000100")]
    [event] = f.audit.for_change(p.id)
    assert (event.action, event.actor, event.after, event.detail[:11]) == (
        "proposed",
        "U0REQUESTR",
        {"memory_mb": 1536},
        "risk medium",
    )


def test_approval_applies_reads_back_and_audits() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    outcome = f.orch.approve(p.id, click(), directory)
    assert outcome.status == "applied" and f.function.memory_mb == 1536
    applied = f.store.get(p.id)
    assert (applied.state, applied.approved_by, applied.read_back) == ("applied", ALICE, {"memory_mb": 1536})
    assert applied.aws_request_ids == ["req-0001"] and applied.verify_due_at
    assert f.notifier.card_states(p.id) == ["applying", "applied"]
    assert f.actions(p.id) == ["proposed", "approved", "applied"]
    event = f.audit.for_change(p.id)[-1]
    assert (event.before, event.after, event.aws_request_ids) == (
        {"memory_mb": 1024},
        {"memory_mb": 1536},
        ["req-0001"],
    )
    assert event.slack_request_ids == {"trigger_id": "t1"}
    assert f.audit.verify_chain().ok


def test_of_many_concurrent_approvals_one_applies_and_the_others_hear_who_won() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    statuses = at_once(50, lambda i: f.orch.approve(p.id, click((ALICE, CAROL)[i % 2]), directory).status)
    assert Counter(statuses) == {"applied": 1, "already": 49}
    assert f.function.updates == [1536]
    assert f.actions(p.id).count("applied") == 1 and f.audit.verify_chain().ok


def test_a_second_approval_reports_who_applied() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    f.orch.approve(p.id, click(), directory)
    again = f.orch.approve(p.id, click(CAROL), directory)
    assert again.status == "already" and again.proposal is not None
    assert (again.proposal.approved_by, bool(again.proposal.applied_at)) == (ALICE, True)
    assert f.function.updates == [1536]


def test_drift_applies_nothing() -> None:
    f = flow(memory_mb=2048)
    p = f.orch.propose(memory_rec(before=1024, after=1536), "perfbot", ALERTS)
    outcome = f.orch.approve(p.id, click(), directory)
    assert outcome.status == "drift" and f.function.updates == []
    failed = f.store.get(p.id)
    assert (failed.state, failed.error, failed.live) == ("failed", "drift", {"memory_mb": 2048})
    assert f.actions(p.id) == ["proposed", "approved", "drift"]
    assert f.notifier.card_states(p.id) == ["failed"]


def test_an_aws_error_fails_the_change_and_reports_the_resource_as_it_is() -> None:
    f = flow()
    f.function.failure = AwsError(
        "UpdateFunctionConfiguration failed: ResourceConflictException: busy", request_id="r-9"
    )
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    assert f.orch.approve(p.id, click(), directory).status == "failed"
    failed = f.store.get(p.id)
    assert (failed.state, failed.live, failed.aws_request_ids) == ("failed", {"memory_mb": 1024}, ["r-9"])
    assert "ResourceConflictException" in failed.error
    assert f.actions(p.id) == ["proposed", "approved", "failed"]
    assert f.notifier.card_states(p.id) == ["applying", "failed"]


def test_an_invalid_value_fails_before_anything_is_applied() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(after=20_000), "perfbot", ALERTS)
    assert f.orch.approve(p.id, click(), directory).status == "failed"
    assert f.function.updates == [] and "between 128 and 10240" in f.store.get(p.id).error


def test_a_read_back_that_differs_fails_the_change() -> None:
    f = flow()
    f.function.read_back_as = 1280
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    assert f.orch.approve(p.id, click(), directory).status == "failed"
    failed = f.store.get(p.id)
    assert failed.error == "AWS reports a different value after the change" and failed.live == {"memory_mb": 1280}


def test_reject_and_withdraw_are_conditional_and_audited() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    assert f.orch.reject(p.id, click(BOB), directory).status == "refused"
    assert f.orch.reject(p.id, click(), directory).status == "rejected"
    assert f.orch.reject(p.id, click(CAROL), directory).status == "already"
    assert f.orch.approve(p.id, click(CAROL), directory).status == "already"
    assert f.function.updates == [] and f.notifier.card_states(p.id) == ["rejected"]
    assert f.actions(p.id) == ["proposed", "refused", "rejected"]
    mine = f.orch.propose(memory_rec(), BOB, ALERTS)  # a requester who is no approver may withdraw their own
    assert f.orch.reject(mine.id, click(BOB), directory).status == "rejected"


def test_an_unknown_proposal_is_refused_and_the_refusal_audited() -> None:
    f = flow()
    outcome = f.orch.approve("chg-0000000000", click(), directory)
    assert outcome.status == "refused" and outcome.refusal is not None and outcome.refusal.reason == "unknown"
    assert [(e.action, e.change_id) for e in f.audit.latest(1)] == [("refused", "chg-0000000000")]


def test_expiry_marks_the_card_and_approval_after_it_is_refused() -> None:
    f = flow()
    stale = f.store.create(proposal(approve_by=int(time.time()) - 1, channel=ALERTS, message_ts="1.1"))
    fresh = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    done = f.orch.expire()
    assert (done.expired, done.interrupted) == ([stale.id], [])
    assert f.store.get(stale.id).state == "expired" and f.store.get(fresh.id).state == "proposed"
    assert f.notifier.card_states(stale.id) == ["expired"] and f.actions(stale.id) == ["expired"]
    refused = f.orch.approve(stale.id, click(), directory)
    assert refused.refusal is not None and refused.refusal.reason == "expired" and f.function.updates == []
    assert f.orch.expire().expired == []


def test_an_apply_interrupted_by_a_crash_is_reported_failed_with_the_live_value() -> None:
    f = flow()
    p = f.store.create(proposal(channel=ALERTS))
    f.store.transition(p.id, "proposed", "approved", {"approved_by": ALICE, "approved_at": "2026-01-01T00:00:00+00:00"})
    f.store.transition(p.id, "approved", "applying")  # ...and then the Lambda died
    recent = f.store.create(proposal(channel=ALERTS))
    f.store.transition(recent.id, "proposed", "approved", {"approved_at": datetime.now(UTC).isoformat()})
    f.store.transition(recent.id, "approved", "applying")  # still within its time
    done = f.orch.expire()
    assert done.interrupted == [p.id]
    failed = f.store.get(p.id)
    assert (failed.state, failed.error, failed.live) == ("failed", "interrupted while applying", {"memory_mb": 1024})
    assert f.actions(p.id) == ["failed"] and f.store.get(recent.id).state == "applying"


def test_verification_is_recorded_once_and_replied_in_the_thread() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    f.orch.approve(p.id, click(), directory)
    due = datetime.fromisoformat(f.store.get(p.id).verify_due_at)
    assert f.orch.verify(due - timedelta(minutes=1)) == []
    assert f.orch.verify(due + timedelta(minutes=1)) == [p.id]
    assert f.orch.verify(due + timedelta(minutes=1)) == []
    [(verified, result, revert)] = f.notifier.verified_replies
    assert (verified.verification, result.regression, revert) == ("better", False, None)
    assert f.actions(p.id)[-1] == "verified"
    assert f.audit.for_change(p.id)[-1].before == {"p95_ms": 800.0}


def test_a_verified_average_is_audited_as_an_average_not_as_p95() -> None:
    f = flow(measure=lambda p: Verification("SuccessfulRequestLatency average", 12.0, 9.0, False, "better", "average"))
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    f.orch.approve(p.id, click(), directory)
    f.orch.verify(datetime.fromisoformat(f.store.get(p.id).verify_due_at) + timedelta(minutes=1))
    verified = f.audit.for_change(p.id)[-1]
    assert (verified.action, verified.before, verified.after) == ("verified", {"average_ms": 12.0}, {"average_ms": 9.0})


def regression(p: Proposal) -> Verification:
    return Verification("Duration p95", 800, 1200, True, "worse")


def test_a_regression_offers_a_revert_and_changes_nothing_by_default() -> None:
    f = flow(measure=regression)
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    f.orch.approve(p.id, click(), directory)
    f.orch.verify(datetime.now(UTC) + timedelta(hours=1))
    [(_, result, revert)] = f.notifier.verified_replies
    assert result.regression and revert is None
    assert f.store.get(p.id).state == "applied" and f.function.memory_mb == 1536


def regressed_with_auto_revert(after_mb: int) -> tuple[Flow, Proposal, Proposal | None]:
    """A change 1024 → ``after_mb`` MB that verification finds a regression, auto-revert on: (flow, change, revert)."""
    f = flow(settings(auto_revert_on_regression=True), measure=regression)
    p = f.orch.propose(memory_rec(before=1024, after=after_mb), "perfbot", ALERTS)
    f.orch.approve(p.id, click(), directory)
    f.orch.verify(datetime.now(UTC) + timedelta(hours=1))
    [(_, _, revert)] = f.notifier.verified_replies
    return f, p, revert


def test_auto_revert_undoes_a_regression_whose_revert_is_not_high_risk() -> None:
    f, p, revert = regressed_with_auto_revert(1280)  # its revert, 1280 → 1024: medium
    assert revert is not None and revert.risk == "medium"
    assert f.function.memory_mb == 1024 and f.store.get(p.id).state == "rolled_back"
    applied = [e for e in f.audit.for_change(revert.id) if e.action == "applied"]
    assert [e.actor for e in applied] == ["perfbot:auto-revert"]
    assert f.actions(p.id)[-3:] == ["verified", "undo_requested", "rolled_back"]


def test_a_high_risk_auto_revert_waits_for_two_approvers() -> None:
    """perfbot asked for the revert itself, so nobody did: a high-risk one needs two people, not one."""
    f, p, revert = regressed_with_auto_revert(1536)  # its revert, 1536 → 1024: high
    assert revert is not None and revert.risk == "high"
    assert f.function.memory_mb == 1536 and f.store.get(revert.id).state == "proposed"
    assert [card.id for card in f.notifier.cards()][-1] == revert.id
    first = f.orch.approve(revert.id, click(CAROL), directory)
    assert first.status == "pending" and f.function.memory_mb == 1536
    again = f.orch.approve(revert.id, click(CAROL), directory)
    assert again.refusal is not None and again.refusal.reason == "second_approver"
    assert f.orch.approve(revert.id, click(ALICE), directory).status == "applied"
    assert f.function.memory_mb == 1024 and f.store.get(p.id).state == "rolled_back"
    assert f.actions(revert.id) == ["proposed", "first_approval", "refused", "approved", "applied"]
    assert [e.actor for e in f.audit.for_change(revert.id)][1:4] == [CAROL, CAROL, ALICE]


def test_a_high_risk_change_the_schedule_proposed_needs_two_people() -> None:
    f = flow(memory_mb=2048)
    p = f.orch.propose(memory_rec(before=2048, after=1024, risk="high"), "perfbot", ALERTS)
    assert p.approvers_needed == 2
    assert f.orch.approve(p.id, click(ALICE), directory).status == "pending"
    assert f.function.updates == [] and f.store.get(p.id).approvals == [ALICE]
    assert f.notifier.card_states(p.id)[-1] == "proposed"
    assert f.orch.approve(p.id, click(ALICE), directory).status == "refused"
    outcome = f.orch.approve(p.id, click(CAROL), directory)
    assert outcome.status == "applied" and f.function.updates == [1024]
    assert outcome.proposal is not None and (outcome.proposal.approvals, outcome.proposal.approved_by) == (
        [ALICE],
        CAROL,
    )


def test_a_high_risk_change_a_person_asked_for_needs_one_other_person() -> None:
    f = flow(memory_mb=2048)
    p = f.orch.propose(memory_rec(before=2048, after=1024, risk="high"), BOB, ALERTS)
    assert p.approvers_needed == 1
    assert f.orch.approve(p.id, click(ALICE), directory).status == "applied"


def test_a_plain_approve_click_on_a_high_risk_card_is_refused_and_the_card_redrawn() -> None:
    """A high-risk Approve asks for a reason in a modal; a plain click (an old card, a hand-made request) changes
    nothing, is audited, and redraws the card with the modal's button. Other risks approve as before."""
    f = flow(memory_mb=2048)
    p = f.orch.propose(memory_rec(before=2048, after=1024, risk="high"), BOB, ALERTS)
    outcome = f.orch.approve_without_reason(p.id, click(ALICE), directory)
    assert outcome.status == "refused" and outcome.refusal is not None
    assert outcome.refusal.reason == "reason_required"
    assert f.function.updates == [] and f.store.get(p.id).state == "proposed"
    assert f.notifier.card_states(p.id) == ["proposed"]
    assert f.actions(p.id) == ["proposed", "refused"]
    assert f.orch.approve(p.id, click(ALICE), directory, reason="peak is over").status == "applied"
    low = flow()
    q = low.orch.propose(memory_rec(), BOB, ALERTS)
    assert low.orch.approve_without_reason(q.id, click(ALICE), directory).status == "applied"


def test_one_open_proposal_per_change_however_many_analyses_propose_it() -> None:
    f = flow()
    outcomes = at_once(5, lambda i: _propose_or_holder(f, memory_rec()))
    [created] = [p for kind, p in outcomes if kind == "created"]
    assert sorted(kind for kind, _ in outcomes) == ["created"] + ["open"] * 4
    assert {p for kind, p in outcomes if kind == "open"} == {created}
    assert [p.id for p in f.notifier.cards()] == [created]


def test_a_decided_proposal_leaves_room_for_the_same_change_again() -> None:
    from bot.changes.orchestrator import AlreadyProposed

    f = flow()
    first = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    with pytest.raises(AlreadyProposed) as again:
        f.orch.propose(memory_rec(), BOB, ALERTS)
    assert again.value.proposal is not None and again.value.proposal.id == first.id
    assert f.orch.reject(first.id, click(ALICE), directory).status == "rejected"
    assert f.orch.propose(memory_rec(), BOB, ALERTS).id != first.id


def _propose_or_holder(f: Flow, rec: Recommendation) -> tuple[str, str]:
    from bot.changes.orchestrator import AlreadyProposed

    try:
        return "created", f.orch.propose(rec, "perfbot", ALERTS).id
    except AlreadyProposed as open_:
        return "open", open_.proposal_id


def test_two_first_approvals_at_once_make_one_first_and_one_second() -> None:
    f = flow(memory_mb=2048)
    p = f.orch.propose(memory_rec(before=2048, after=1024, risk="high"), "perfbot", ALERTS)
    outcomes = at_once(2, lambda i: f.orch.approve(p.id, click((ALICE, CAROL)[i]), directory).status)
    assert Counter(outcomes) == {"pending": 1, "applied": 1} and f.function.updates == [1024]


def test_the_same_approver_twice_at_once_applies_nothing() -> None:
    f = flow(memory_mb=2048)
    p = f.orch.propose(memory_rec(before=2048, after=1024, risk="high"), "perfbot", ALERTS)
    outcomes = at_once(2, lambda i: f.orch.approve(p.id, click(ALICE), directory).status)
    assert Counter(outcomes) == {"pending": 1, "refused": 1} and f.function.updates == []


def test_auto_apply_only_when_configured_and_only_low_risk() -> None:
    off = flow()
    assert off.orch.propose(memory_rec(risk="low"), "perfbot", ALERTS).state == "proposed"
    on = flow(settings(auto_apply_low_risk=True))
    assert on.orch.propose(memory_rec(risk="medium"), "perfbot", ALERTS).state == "proposed"
    low = on.orch.propose(memory_rec(after=1280, risk="low"), "perfbot", ALERTS)
    assert low.state == "applied" and on.function.memory_mb == 1280
    assert [e.actor for e in on.audit.for_change(low.id)] == ["perfbot", "perfbot:auto-apply", "perfbot:auto-apply"]


def test_a_card_decided_while_it_was_being_posted_still_records_where_it_is() -> None:
    f = flow()

    class ApprovingNotifier(type(f.notifier)):  # type: ignore[misc]
        def post(self, p: Proposal, *, thread_ts: str | None = None) -> object:
            where = super().post(p, thread_ts=thread_ts)
            f.store.transition(p.id, "proposed", "rejected", {"approved_by": CAROL})  # a click within milliseconds
            return where

    f.orch.notifier = ApprovingNotifier()
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    assert (p.state, p.message_ts) == ("rejected", "1700000000.000001")
    assert f.store.get(p.id).message_ts == "1700000000.000001"


def test_a_live_value_that_cannot_be_read_fails_the_change_before_anything_is_applied() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    f.function.unreadable = AwsError("GetFunction failed")
    assert f.orch.approve(p.id, click(), directory).status == "failed"
    failed = f.store.get(p.id)
    assert failed.error == "could not read the live value: GetFunction failed" and failed.live == {}
    assert f.function.updates == []


def test_a_handler_that_crashes_fails_the_change_and_never_leaves_it_applying() -> None:
    f = flow()
    p = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    f.function.failure = RuntimeError("a bug")
    assert f.orch.approve(p.id, click(), directory).status == "failed"
    failed = f.store.get(p.id)
    assert (failed.state, failed.error, failed.live) == ("failed", "a bug", {"memory_mb": 1024})
