"""Undo and Revert: one undo per change whatever the clicks, retries and threads; its risk is the inverse change's."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.analysis.models import Values
from bot.changes.authorize import Click
from bot.changes.models import undo_id
from bot.changes.undo import inverse_proposal
from tests.support.change_factories import FakeDirectory, memory_rec, proposal
from tests.support.fakes import Flow, at_once, flow

ALICE, CAROL, BOB = "U0APPROVER1", "U0APPROVER2", "U0BOB"
ALERTS = "C0PERFALRT"
directory = FakeDirectory()


def click(user: str = CAROL) -> Click:
    return Click(user=user, channel_id=ALERTS)


def applied_change(f: Flow, before: int = 1024, after: int = 1280) -> str:
    p = f.orch.propose(memory_rec(before=before, after=after), "perfbot", ALERTS)
    assert f.orch.approve(p.id, click(ALICE), directory).status == "applied"
    return p.id


def test_undo_restores_the_value_through_a_new_audited_proposal_in_the_thread() -> None:
    f = flow()
    original = applied_change(f)
    outcome = f.orch.undo(original, click(), directory)
    assert outcome.status == "applied" and f.function.memory_mb == 1024
    undo = outcome.proposal
    assert undo is not None
    assert (undo.id, undo.before, undo.after, undo.undo_of, undo.requester, undo.approved_by) == (
        undo_id(original),
        {"memory_mb": 1280},
        {"memory_mb": 1024},
        original,
        CAROL,
        CAROL,
    )
    [thread] = [t for p, t in f.notifier.posted if p.id == undo.id]
    assert thread == f.store.get(original).message_ts
    rolled_back = f.store.get(original)
    assert (rolled_back.state, rolled_back.undone_by) == ("rolled_back", undo.id)
    assert f.notifier.card_states(original)[-1] == "rolled_back"
    assert f.actions(original) == ["proposed", "approved", "applied", "undo_requested", "rolled_back"]
    assert f.actions(undo.id) == ["proposed", "approved", "applied"]


def test_a_second_undo_is_told_what_became_of_the_first() -> None:
    f = flow()
    original = applied_change(f)
    first = f.orch.undo(original, click(), directory)
    again = f.orch.undo(original, click(ALICE), directory)
    assert again.status == "already" and again.proposal is not None
    assert (again.proposal.id, again.proposal.state) == (first.proposal.id, "applied")  # type: ignore[union-attr]
    assert f.function.updates == [1280, 1024]


def test_twenty_threads_undoing_at_once_create_one_undo_and_apply_it_once() -> None:
    f = flow()
    original = applied_change(f)
    outcomes = at_once(20, lambda i: f.orch.undo(original, click((ALICE, CAROL)[i % 2]), directory).status)
    assert Counter(outcomes) == {"applied": 1, "already": 19}
    assert f.function.updates == [1280, 1024]  # the change, and exactly one undo
    undos = [p for p in f.notifier.cards() if p.undo_of == original]
    assert [p.id for p in undos] == [undo_id(original)]  # one proposal, one card
    assert f.actions(original).count("undo_requested") == 1
    assert f.audit.verify_chain().ok


def test_an_undo_that_came_to_nothing_makes_room_for_the_next() -> None:
    f = flow()
    original = applied_change(f, before=1024, after=1536)  # its undo, 1536 → 1024, is high risk
    first = f.orch.undo(original, click(), directory)
    assert first.status == "pending" and first.proposal is not None
    assert f.orch.reject(first.proposal.id, click(ALICE), directory).status == "rejected"
    second = f.orch.undo(original, click(), directory)
    assert second.proposal is not None and second.proposal.id == undo_id(original, 1)
    assert f.orch.approve(second.proposal.id, click(ALICE), directory).status == "applied"
    assert f.function.memory_mb == 1024 and f.store.get(original).undone_by == undo_id(original, 1)


def test_the_undo_of_a_change_that_is_not_applied_is_refused_or_answered() -> None:
    f = flow()
    assert f.orch.undo("chg-0000000000", click(), directory).status == "refused"
    pending = f.orch.propose(memory_rec(), "perfbot", ALERTS)
    assert f.orch.undo(pending.id, click(), directory).status == "already"
    original = applied_change(f)
    refused = f.orch.undo(original, click(BOB), directory)
    assert refused.refusal is not None and refused.refusal.reason == "not_approver"
    assert f.function.updates == [1280] and f.actions(original)[-1] == "refused"


# -- the undo's risk is the inverse change's ------------------------------------------------------------------------


def test_a_high_risk_undo_needs_a_second_approver() -> None:
    """1024 → 2048 MB is medium (more than ×1.5); its undo, a cut to half, is high risk: two people."""
    f = flow()
    original = applied_change(f, before=1024, after=2048)
    assert f.store.get(original).risk == "medium"
    outcome = f.orch.undo(original, click(CAROL), directory)
    assert outcome.status == "pending" and outcome.proposal is not None and outcome.proposal.risk == "high"
    assert f.function.memory_mb == 2048
    own = f.orch.approve(outcome.proposal.id, click(CAROL), directory)
    assert own.refusal is not None and own.refusal.reason == "own_high_risk"
    assert f.orch.approve(outcome.proposal.id, click(ALICE), directory).status == "applied"
    assert f.function.memory_mb == 1024


@pytest.mark.parametrize(
    ("kind", "before", "after", "original_risk", "undo_risk"),
    [
        ("lambda_memory", {"memory_mb": 1024}, {"memory_mb": 2048}, "medium", "high"),
        ("lambda_memory", {"memory_mb": 1024}, {"memory_mb": 1280}, "low", "medium"),
        ("lambda_memory", {"memory_mb": 2048}, {"memory_mb": 1024}, "high", "medium"),
        (
            "dynamodb_capacity",
            {"read_units": 100, "write_units": 50},
            {"read_units": 60, "write_units": 50},
            "high",
            "low",
        ),
        (
            "dynamodb_capacity",
            {"read_units": 60, "write_units": 50},
            {"read_units": 90, "write_units": 75},
            "low",
            "high",
        ),
        (
            "apigw_throttling",
            {"rate_limit": 1000, "burst_limit": 2000},
            {"rate_limit": 500, "burst_limit": 1000},
            "high",
            "medium",
        ),
    ],
)
def test_the_undo_is_rated_by_the_kind_for_the_inverse_change(
    kind: str, before: Values, after: Values, original_risk: str, undo_risk: str
) -> None:
    from bot.changes.kinds import kind_spec

    assert kind_spec(kind).risk(before, after) == original_risk
    original = proposal(kind=kind, before=before, after=after, risk=original_risk, state="applied", read_back=after)
    undo = inverse_proposal(original, CAROL, ttl_h=1)
    assert (undo.before, undo.after, undo.risk) == (after, before, undo_risk)


def test_an_undo_whose_risk_cannot_be_read_is_high_risk() -> None:
    """The kind's rule needs both capacities; an undo that restores only one of them is rated high, never guessed."""
    original = proposal(
        kind="dynamodb_capacity",
        before={"read_units": 100},
        after={"read_units": 60, "write_units": 50},
        state="applied",
    )
    assert inverse_proposal(original, CAROL, ttl_h=1).risk == "high"


def test_perfbot_stops_creating_undos_of_a_change_whose_undos_keep_failing(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.changes import orchestrator
    from bot.changes.store import ProposalError

    monkeypatch.setattr(orchestrator, "MAX_UNDO_ATTEMPTS", 1)
    f = flow()
    original = applied_change(f, before=1024, after=1536)
    first = f.orch.undo(original, click(), directory)
    assert first.proposal is not None and f.orch.reject(first.proposal.id, click(ALICE), directory).status == "rejected"
    with pytest.raises(ProposalError, match="1 undos ended without a change"):
        f.orch.undo(original, click(), directory)
