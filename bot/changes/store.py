"""Where proposals live: a protocol with a DynamoDB and an in-memory implementation (as ``bot/breaker/store.py``).

Both keep the same promise: every state change is conditional on the state (and version) it was read in, so of any
number of simultaneous writers exactly one wins and the others get :class:`Conflict` with what is stored now; a
create of an id that exists is a Conflict too (an undo's id is derived from its change, so a second click cannot
create a second undo).

DynamoDB item: ``pk="proposal#<id>"``, ``sk="proposal"``; ``gsi1pk="proposals#pending"`` while it awaits a decision,
``"proposals#applying"`` while a change is being applied and ``"proposals#verify"`` while an applied change awaits its
verification (a sparse index: the key is removed when the item leaves those states); ``expires_at`` is the DynamoDB
TTL that eventually removes old items (the audit log is the permanent record).

Fingerprints: one proposal at a time per change (kind, resource, proposed value). ``pk="fingerprint#<fingerprint>"``,
``sk="open"`` names the proposal that holds it; :meth:`ProposalStore.claim` takes it with a conditional put — when
nobody holds it, or its holder is no longer open (decided, expired) — so of five analyses at once, in as many
containers, one proposes and four are told which proposal is open.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from bot.aws.dynamodb import ConditionFailed, Table
from bot.changes.models import TRANSITIONS, Proposal, State
from bot.settings import get_settings

SK = "proposal"
PENDING = "proposals#pending"
AWAITING_VERIFICATION = "proposals#verify"
APPLYING = "proposals#applying"
RETENTION_S = 90 * 86400  # how long DynamoDB keeps a decided proposal (Undo and /perf audit need it)
MAX_ATTEMPTS = 5
FINGERPRINT_SK = "open"
OPEN_STATES = ("proposed", "approved", "applying")  # a proposal that may still change something
CLAIM_GRACE_S = 60  # a claim whose proposal is not stored yet is being created, for this long at most

Guard = Callable[[Proposal], bool]


class ProposalError(Exception):
    """Base of the change subsystem's errors."""


class UnknownProposal(ProposalError):
    def __init__(self, proposal_id: str) -> None:
        super().__init__(f"no proposal {proposal_id!r}")
        self.proposal_id = proposal_id


class Conflict(ProposalError):
    """Someone else moved (or created) the proposal first; ``current`` is what is stored now."""

    def __init__(self, current: Proposal, wanted: str) -> None:
        super().__init__(f"proposal {current.id} is {current.state}, cannot become {wanted}")
        self.current = current


class ProposalStore(Protocol):
    def create(self, p: Proposal) -> Proposal:
        """Store a new proposal; Conflict (with the stored one) when its id exists."""

    def get(self, proposal_id: str) -> Proposal:
        """The stored proposal, or UnknownProposal."""

    def claim(self, p: Proposal) -> str | None:
        """Make ``p`` the open proposal of its fingerprint; None when it is, else the id of the open one holding it."""

    def transition(
        self,
        proposal_id: str,
        source: State,
        target: State,
        updates: dict[str, Any] | None = None,
        *,
        before_deadline: bool = False,
    ) -> Proposal:
        """Move ``source`` → ``target`` (and set ``updates``) if it is still in ``source``; Conflict if not."""

    def update_fields(
        self, proposal_id: str, state: State, updates: dict[str, Any], *, unless: Guard | None = None
    ) -> Proposal:
        """Set fields without a state change, only while in ``state`` and ``unless(current)`` is false."""

    def pending(self, *, due_before: int | None = None) -> Iterator[Proposal]:
        """Proposals awaiting a decision, oldest deadline first; ``due_before`` (epoch s): only deadlines before it."""

    def applying_since(self, before: str) -> Iterator[Proposal]:
        """Changes still ``approved`` or ``applying`` that were approved before ``before`` (ISO): interrupted ones."""

    def awaiting_verification(self, due_before: str) -> Iterator[Proposal]:
        """Applied changes whose verification time (ISO) is before ``due_before``."""


# -- what both implementations share ------------------------------------------------------------------------------


def check_transition(source: State, target: State) -> None:
    if target not in TRANSITIONS.get(source, frozenset()):
        raise ValueError(f"{source} → {target} is not a proposal transition")


def refused(current: Proposal, state: State, before_deadline: bool, unless: Guard | None) -> bool:
    """Whether a write that expects ``state`` must lose against what is stored now."""
    late = before_deadline and time.time() >= current.approve_by
    return current.state != state or late or (unless is not None and unless(current))


def merged(current: Proposal, updates: dict[str, Any]) -> Proposal:
    """``current`` with ``updates`` at the next version, validated as a whole."""
    updated = current.model_copy(update={**updates, "version": current.version + 1})
    return Proposal.model_validate(updated.model_dump())


def index_key(p: Proposal) -> tuple[str, str] | None:
    """The list a proposal is on (pending, applying, awaiting verification) and its place in it; None: on none."""
    if p.state == "proposed":
        return PENDING, f"{p.approve_by:012d}#{p.id}"
    if p.state in ("approved", "applying"):  # listed so a crash or a refused write between states is found
        return APPLYING, f"{p.approved_at}#{p.id}"
    if p.state == "applied" and p.verify_due_at and not p.verification:
        return AWAITING_VERIFICATION, f"{p.verify_due_at}#{p.id}"
    return None


def holds_open(holder: Proposal | None, claimed_at: float) -> bool:
    """Whether a fingerprint's holder still blocks a new proposal of the same change: it is open (not decided, not
    past its deadline), or it is not stored yet and was claimed moments ago (being created right now)."""
    if holder is None:
        return time.time() - claimed_at < CLAIM_GRACE_S
    return holder.state in OPEN_STATES and not holder.expired


def due_key(due_before: int) -> str:
    return f"{due_before:012d}"


class ConditionalStore(ABC):
    """Transitions and field updates as one conditional write each; an implementation supplies ``_conditional``."""

    def transition(
        self,
        proposal_id: str,
        source: State,
        target: State,
        updates: dict[str, Any] | None = None,
        *,
        before_deadline: bool = False,
    ) -> Proposal:
        check_transition(source, target)
        return self._conditional(proposal_id, source, {**(updates or {}), "state": target}, before_deadline)

    def update_fields(
        self, proposal_id: str, state: State, updates: dict[str, Any], *, unless: Guard | None = None
    ) -> Proposal:
        return self._conditional(proposal_id, state, updates, False, unless)

    @abstractmethod
    def _conditional(
        self,
        proposal_id: str,
        state: State,
        updates: dict[str, Any],
        before_deadline: bool,
        unless: Guard | None = None,
    ) -> Proposal:
        """Merge ``updates`` into the stored proposal unless :func:`refused`; Conflict (with what is stored) if so."""


# -- DynamoDB -----------------------------------------------------------------------------------------------------


def _key(proposal_id: str) -> dict[str, str]:
    return {"pk": f"proposal#{proposal_id}", "sk": SK}


def to_item(p: Proposal) -> dict[str, Any]:
    item: dict[str, Any] = {**_key(p.id), **p.model_dump(mode="json")}
    index = index_key(p)
    if index:
        item["gsi1pk"], item["gsi1sk"] = index
    item["expires_at"] = p.approve_by + RETENTION_S
    return item


class DynamoProposalStore(ConditionalStore):
    """Proposals in perfbot's state table; every write is a conditional put on state and version."""

    def __init__(self, table_name: str, region: str | None = None) -> None:
        self._table = Table(table_name, region)

    def create(self, p: Proposal) -> Proposal:
        try:
            self._table.put(to_item(p), condition="attribute_not_exists(pk)")
        except ConditionFailed:
            raise Conflict(self.get(p.id), "proposed") from None
        return p

    def claim(self, p: Proposal) -> str | None:
        key = {"pk": f"fingerprint#{p.fingerprint}", "sk": FINGERPRINT_SK}
        item = {**key, "proposal_id": p.id, "claimed_at": int(time.time()), "expires_at": p.approve_by + RETENTION_S}
        condition, values = "attribute_not_exists(pk)", None
        for _ in range(MAX_ATTEMPTS):
            try:
                self._table.put(item, condition=condition, values=values)
                return None
            except ConditionFailed:
                pass
            held = self._table.get(key)
            if held is None:
                condition, values = "attribute_not_exists(pk)", None
                continue
            holder_id = str(held.get("proposal_id", ""))
            if holds_open(self._find(holder_id), float(held.get("claimed_at", 0))):
                return holder_id
            condition, values = "proposal_id = :held", {":held": holder_id}  # take it over from a closed one
        raise ProposalError(f"fingerprint {p.fingerprint}: contention never cleared")

    def _find(self, proposal_id: str) -> Proposal | None:
        try:
            return self.get(proposal_id)
        except UnknownProposal:
            return None

    def get(self, proposal_id: str) -> Proposal:
        item = self._table.get(_key(proposal_id)) if proposal_id else None
        if item is None:
            raise UnknownProposal(proposal_id)
        return Proposal.model_validate(item)

    def _conditional(
        self,
        proposal_id: str,
        state: State,
        updates: dict[str, Any],
        before_deadline: bool,
        unless: Guard | None = None,
    ) -> Proposal:
        """A concurrent write that left the state alone (e.g. the card's ts being recorded) only costs a retry."""
        for _ in range(MAX_ATTEMPTS):
            current = self.get(proposal_id)
            if refused(current, state, before_deadline, unless):
                raise Conflict(current, str(updates.get("state", state)))
            updated = merged(current, updates)
            condition = "#st = :state AND version = :version"
            values: dict[str, Any] = {":state": state, ":version": current.version}
            if before_deadline:
                condition += " AND approve_by > :now"
                values[":now"] = int(time.time())
            try:
                self._table.put(to_item(updated), condition=condition, names={"#st": "state"}, values=values)
            except ConditionFailed:
                continue
            return updated
        raise Conflict(self.get(proposal_id), state)

    def pending(self, *, due_before: int | None = None) -> Iterator[Proposal]:
        if due_before is None:
            return self._listed("gsi1pk = :pk", {":pk": PENDING})
        return self._listed("gsi1pk = :pk AND gsi1sk < :due", {":pk": PENDING, ":due": due_key(due_before)})

    def applying_since(self, before: str) -> Iterator[Proposal]:
        return self._listed("gsi1pk = :pk AND gsi1sk < :due", {":pk": APPLYING, ":due": before})

    def awaiting_verification(self, due_before: str) -> Iterator[Proposal]:
        return self._listed("gsi1pk = :pk AND gsi1sk < :due", {":pk": AWAITING_VERIFICATION, ":due": due_before})

    def _listed(self, condition: str, values: dict[str, Any]) -> Iterator[Proposal]:
        for item in self._table.query(condition, values, index="gsi1"):
            yield Proposal.model_validate(item)


# -- in memory ----------------------------------------------------------------------------------------------------


class InMemoryProposalStore(ConditionalStore):
    """The same conditional semantics under one lock: for the flow's unit tests and single-process use."""

    def __init__(self) -> None:
        self._items: dict[str, Proposal] = {}
        self._claims: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def claim(self, p: Proposal) -> str | None:
        with self._lock:
            held = self._claims.get(p.fingerprint)
            if held is not None and holds_open(self._items.get(held[0]), held[1]):
                return held[0]
            self._claims[p.fingerprint] = (p.id, time.time())
            return None

    def create(self, p: Proposal) -> Proposal:
        with self._lock:
            if p.id in self._items:
                raise Conflict(self._items[p.id], "proposed")
            self._items[p.id] = p
        return p

    def get(self, proposal_id: str) -> Proposal:
        with self._lock:
            return self._get(proposal_id)

    def _get(self, proposal_id: str) -> Proposal:
        if proposal_id not in self._items:
            raise UnknownProposal(proposal_id)
        return self._items[proposal_id]

    def _conditional(
        self,
        proposal_id: str,
        state: State,
        updates: dict[str, Any],
        before_deadline: bool,
        unless: Guard | None = None,
    ) -> Proposal:
        with self._lock:
            current = self._get(proposal_id)
            if refused(current, state, before_deadline, unless):
                raise Conflict(current, str(updates.get("state", state)))
            self._items[proposal_id] = updated = merged(current, updates)
            return updated

    def pending(self, *, due_before: int | None = None) -> Iterator[Proposal]:
        return self._listed(PENDING, None if due_before is None else due_key(due_before))

    def applying_since(self, before: str) -> Iterator[Proposal]:
        return self._listed(APPLYING, before)

    def awaiting_verification(self, due_before: str) -> Iterator[Proposal]:
        return self._listed(AWAITING_VERIFICATION, due_before)

    def _listed(self, index: str, below: str | None) -> Iterator[Proposal]:
        """What the DynamoDB index would list: the same keys, the same order."""
        with self._lock:
            keyed = [(key, p) for p in self._items.values() if (key := index_key(p)) is not None]
        for (_, sort_key), p in sorted((kp for kp in keyed if kp[0][0] == index), key=lambda kp: kp[0][1]):
            if below is None or sort_key < below:
                yield p


def proposal_store() -> DynamoProposalStore:
    """The store on the configured state table."""
    settings = get_settings()
    return DynamoProposalStore(settings.tables.state, settings.region)
