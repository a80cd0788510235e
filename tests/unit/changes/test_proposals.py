"""The proposal store: every transition is conditional on the state (and version) it was read in."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.changes.proposals import Conflict, ProposalStore, UnknownProposal, propose
from bot.settings import get_settings
from tests.unit.changes.factories import memory_rec, proposal


@pytest.fixture
def store(stack: Any) -> ProposalStore:
    return ProposalStore(get_settings().tables.state)


def test_propose_stores_a_pending_proposal_and_audits_it(store: ProposalStore) -> None:
    from bot.audit import audit_log

    p = propose(memory_rec(), "U0REQUESTR", "C0PERFALRT")
    stored = store.get(p.id)
    assert (stored.state, stored.before, stored.after, stored.version) == (
        "proposed",
        {"memory_mb": 1024},
        {"memory_mb": 1536},
        1,
    )
    ttl_h = get_settings().changes.proposal_ttl_h
    assert abs(stored.approve_by - (time.time() + ttl_h * 3600)) < 60
    assert [q.id for q in store.pending()] == [p.id]
    [event] = audit_log().for_change(p.id)
    assert (event.action, event.actor, event.after) == ("proposed", "U0REQUESTR", {"memory_mb": 1536})


def test_transition_wins_once(store: ProposalStore) -> None:
    p = store.create(proposal())
    approved = store.transition(p.id, "proposed", "approved", {"approved_by": "U1"})
    assert (approved.state, approved.version, approved.approved_by) == ("approved", 2, "U1")
    with pytest.raises(Conflict) as lost:
        store.transition(p.id, "proposed", "approved", {"approved_by": "U2"})
    assert lost.value.current.approved_by == "U1"
    assert list(store.pending()) == []  # left the pending index


def test_approval_after_the_deadline_loses(store: ProposalStore) -> None:
    p = store.create(proposal(approve_by=int(time.time()) - 5))
    with pytest.raises(Conflict):
        store.transition(p.id, "proposed", "approved", before_deadline=True)
    assert [q.id for q in store.pending(due_before=int(time.time()))] == [p.id]


def test_transitions_outside_the_state_machine_are_bugs(store: ProposalStore) -> None:
    p = store.create(proposal())
    with pytest.raises(ValueError, match="not a proposal transition"):
        store.transition(p.id, "proposed", "applied")


def test_field_updates_keep_the_state_and_respect_guards(store: ProposalStore) -> None:
    p = store.create(proposal())
    moved = store.update_fields(p.id, "proposed", {"message_ts": "123.456"})
    assert (moved.state, moved.message_ts, moved.version) == ("proposed", "123.456", 2)
    store.transition(p.id, "proposed", "approved")  # still wins at the new version
    with pytest.raises(Conflict):
        store.update_fields(p.id, "approved", {"verification": "x"}, unless=lambda c: c.state == "approved")


def test_applied_changes_wait_for_verification(store: ProposalStore) -> None:
    p = store.create(proposal())
    store.transition(p.id, "proposed", "approved")
    store.transition(p.id, "approved", "applying")
    store.transition(p.id, "applying", "applied", {"verify_due_at": "2026-01-01T00:15:00+00:00"})
    assert [q.id for q in store.awaiting_verification("2026-01-01T00:16:00+00:00")] == [p.id]
    assert list(store.awaiting_verification("2026-01-01T00:14:00+00:00")) == []
    store.update_fields(p.id, "applied", {"verification": "ok"})
    assert list(store.awaiting_verification("2026-01-02T00:00:00+00:00")) == []


def test_unknown_proposal(store: ProposalStore) -> None:
    with pytest.raises(UnknownProposal):
        store.get("chg-ffffffffff")
