"""The proposal store, DynamoDB and in memory alike: every transition is conditional on the state (and version) it was
read in, a create of an existing id loses, and the lists (pending, applying, awaiting verification) agree."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot.audit import audit_log
from bot.changes import Conflict, DynamoProposalStore, InMemoryProposalStore, ProposalStore, UnknownProposal
from bot.changes.orchestrator import orchestrator
from bot.settings import get_settings
from tests.support.change_factories import memory_rec, proposal
from tests.support.fakes import RecordingNotifier


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest) -> ProposalStore:
    if request.param == "memory":
        return InMemoryProposalStore()
    request.getfixturevalue("stack")
    return DynamoProposalStore(get_settings().tables.state)


def test_create_and_get(store: ProposalStore) -> None:
    p = store.create(proposal())
    stored = store.get(p.id)
    assert (stored.state, stored.before, stored.after, stored.version) == (
        "proposed",
        {"memory_mb": 1024},
        {"memory_mb": 1536},
        1,
    )
    assert [q.id for q in store.pending()] == [p.id]


def test_a_second_create_of_the_same_id_loses_and_sees_the_first(store: ProposalStore) -> None:
    first = store.create(proposal(requester="U0FIRST"))
    with pytest.raises(Conflict) as taken:
        store.create(proposal(id=first.id, requester="U0SECOND"))
    assert taken.value.current.requester == "U0FIRST"


def test_of_concurrent_creates_of_one_id_exactly_one_wins(store: ProposalStore) -> None:
    barrier = threading.Barrier(10)
    won: list[str] = []
    template = proposal()

    def create(i: int) -> None:
        barrier.wait()
        try:
            store.create(template.model_copy(update={"requester": f"U{i}"}))
            won.append(f"U{i}")
        except Conflict:
            pass

    threads = [threading.Thread(target=create, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and store.get(template.id).requester == won[0]


def test_transition_wins_once(store: ProposalStore) -> None:
    p = store.create(proposal())
    approved = store.transition(p.id, "proposed", "approved", {"approved_by": "U1"})
    assert (approved.state, approved.version, approved.approved_by) == ("approved", 2, "U1")
    with pytest.raises(Conflict) as lost:
        store.transition(p.id, "proposed", "approved", {"approved_by": "U2"})
    assert lost.value.current.approved_by == "U1"
    assert list(store.pending()) == []  # left the pending list


def test_approval_after_the_deadline_loses(store: ProposalStore) -> None:
    p = store.create(proposal(approve_by=int(time.time()) - 5))
    with pytest.raises(Conflict):
        store.transition(p.id, "proposed", "approved", before_deadline=True)
    assert [q.id for q in store.pending(due_before=int(time.time()))] == [p.id]
    assert list(store.pending(due_before=int(time.time()) - 60)) == []


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


def test_applying_and_awaiting_verification_lists(store: ProposalStore) -> None:
    p = store.create(proposal())
    store.transition(p.id, "proposed", "approved", {"approved_at": "2026-01-01T00:00:00+00:00"})
    store.transition(p.id, "approved", "applying")
    assert [q.id for q in store.applying_since("2026-01-01T00:30:00+00:00")] == [p.id]
    assert list(store.applying_since("2025-12-31T00:00:00+00:00")) == []
    store.transition(p.id, "applying", "applied", {"verify_due_at": "2026-01-01T00:15:00+00:00"})
    assert list(store.applying_since("2026-01-01T00:30:00+00:00")) == []
    assert [q.id for q in store.awaiting_verification("2026-01-01T00:16:00+00:00")] == [p.id]
    assert list(store.awaiting_verification("2026-01-01T00:14:00+00:00")) == []
    store.update_fields(p.id, "applied", {"verification": "ok"})
    assert list(store.awaiting_verification("2026-01-02T00:00:00+00:00")) == []


def test_pending_is_oldest_deadline_first(store: ProposalStore) -> None:
    now = int(time.time())
    later, sooner = store.create(proposal(approve_by=now + 600)), store.create(proposal(approve_by=now + 60))
    assert [q.id for q in store.pending()] == [sooner.id, later.id]


def test_unknown_proposal(store: ProposalStore) -> None:
    with pytest.raises(UnknownProposal):
        store.get("chg-ffffffffff")


def test_propose_through_the_orchestrator_on_dynamodb_audits_it(stack: Any) -> None:
    p = orchestrator(RecordingNotifier()).propose(memory_rec(), "U0REQUESTR", "C0PERFALRT")
    ttl_h = get_settings().changes.proposal_ttl_h
    assert abs(p.approve_by - (time.time() + ttl_h * 3600)) < 60
    [event] = audit_log().for_change(p.id)
    assert (event.action, event.actor, event.after) == ("proposed", "U0REQUESTR", {"memory_mb": 1536})
