"""Proposals in the state table, where every state change is a conditional write: only one click can win.

Item: ``pk="proposal#<id>"``, ``sk="proposal"``; ``gsi1pk="proposals#pending"`` while it awaits a decision and
``"proposals#applying"`` while a change is being applied, ``"proposals#verify"`` while an applied change awaits its
verification (a sparse index: the key is removed when
the item leaves those states); ``expires_at`` is the DynamoDB TTL that eventually removes old items (the audit
log is the permanent record).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

from bot.analysis.models import Recommendation
from bot.aws.dynamodb import ConditionFailed, Table
from bot.changes.models import TRANSITIONS, Proposal, State

logger = logging.getLogger(__name__)

SK = "proposal"
PENDING = "proposals#pending"
AWAITING_VERIFICATION = "proposals#verify"
APPLYING = "proposals#applying"
RETENTION_S = 90 * 86400  # how long DynamoDB keeps a decided proposal (Undo and /perf audit need it)
MAX_ATTEMPTS = 5


class ProposalError(Exception):
    """Base of the change subsystem's errors."""


class UnknownProposal(ProposalError):
    def __init__(self, proposal_id: str) -> None:
        super().__init__(f"no proposal {proposal_id!r}")
        self.proposal_id = proposal_id


class Conflict(ProposalError):
    """Someone else moved the proposal first; ``current`` is what is stored now."""

    def __init__(self, current: Proposal, wanted: str) -> None:
        super().__init__(f"proposal {current.id} is {current.state}, cannot become {wanted}")
        self.current = current


def new_id() -> str:
    return "chg-" + secrets.token_hex(5)


def _key(proposal_id: str) -> dict[str, str]:
    return {"pk": f"proposal#{proposal_id}", "sk": SK}


def _index(p: Proposal) -> tuple[str, str] | None:
    if p.state == "proposed":
        return PENDING, f"{p.approve_by:012d}#{p.id}"
    if p.state == "applying":  # listed so an apply interrupted by a crash can be found and reported
        return APPLYING, f"{p.approved_at}#{p.id}"
    if p.state == "applied" and p.verify_due_at and not p.verification:
        return AWAITING_VERIFICATION, f"{p.verify_due_at}#{p.id}"
    return None


def to_item(p: Proposal) -> dict[str, Any]:
    item: dict[str, Any] = {**_key(p.id), **p.model_dump(mode="json")}
    index = _index(p)
    if index:
        item["gsi1pk"], item["gsi1sk"] = index
    item["expires_at"] = p.approve_by + RETENTION_S
    return item


class ProposalStore:
    def __init__(self, table_name: str, region: str | None = None) -> None:
        self._table = Table(table_name, region)

    def create(self, p: Proposal) -> Proposal:
        self._table.put(to_item(p), condition="attribute_not_exists(pk)")
        return p

    def get(self, proposal_id: str) -> Proposal:
        item = self._table.get(_key(proposal_id)) if proposal_id else None
        if item is None:
            raise UnknownProposal(proposal_id)
        return Proposal.model_validate(item)

    def transition(
        self,
        proposal_id: str,
        source: State,
        target: State,
        updates: dict[str, Any] | None = None,
        *,
        before_deadline: bool = False,
    ) -> Proposal:
        """Move ``source`` → ``target`` if the item is still in ``source`` at the version read; raise Conflict if not.

        A concurrent write that left the state alone (e.g. the card's ts being recorded) only costs a retry.
        """
        if target not in TRANSITIONS.get(source, frozenset()):
            raise ValueError(f"{source} → {target} is not a proposal transition")
        return self._conditional(proposal_id, source, lambda p: {**(updates or {}), "state": target}, before_deadline)

    def update_fields(
        self,
        proposal_id: str,
        state: State,
        updates: dict[str, Any],
        *,
        unless: Callable[[Proposal], bool] | None = None,
    ) -> Proposal:
        """Change fields (card ts, verification) without a state change, only while in ``state``.

        ``unless(current)`` true → Conflict: e.g. the verification was already recorded by another run.
        """
        return self._conditional(proposal_id, state, lambda p: updates, False, unless)

    def _conditional(
        self,
        proposal_id: str,
        state: State,
        change: Callable[[Proposal], dict[str, Any]],
        before_deadline: bool,
        unless: Callable[[Proposal], bool] | None = None,
    ) -> Proposal:
        for _ in range(MAX_ATTEMPTS):
            current = self.get(proposal_id)
            late = before_deadline and time.time() >= current.approve_by
            if current.state != state or late or (unless is not None and unless(current)):
                raise Conflict(current, str(change(current).get("state", state)))
            updated = current.model_copy(update={**change(current), "version": current.version + 1})
            updated = Proposal.model_validate(updated.model_dump())  # re-validate the merged fields
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
        """Proposals awaiting a decision, oldest deadline first; ``due_before`` limits to deadlines before it."""
        if due_before is None:
            items = self._table.query("gsi1pk = :pk", {":pk": PENDING}, index="gsi1")
        else:
            items = self._table.query(
                "gsi1pk = :pk AND gsi1sk < :due", {":pk": PENDING, ":due": f"{due_before:012d}"}, index="gsi1"
            )
        for item in items:
            yield Proposal.model_validate(item)

    def applying_since(self, before: str) -> Iterator[Proposal]:
        """Changes still ``applying`` that were approved before ``before`` (ISO): interrupted applies."""
        items = self._table.query("gsi1pk = :pk AND gsi1sk < :due", {":pk": APPLYING, ":due": before}, index="gsi1")
        for item in items:
            yield Proposal.model_validate(item)

    def awaiting_verification(self, due_before: str) -> Iterator[Proposal]:
        """Applied changes whose verification time (ISO) is before ``due_before``."""
        items = self._table.query(
            "gsi1pk = :pk AND gsi1sk < :due", {":pk": AWAITING_VERIFICATION, ":due": due_before}, index="gsi1"
        )
        for item in items:
            yield Proposal.model_validate(item)


def proposal_store() -> ProposalStore:
    from bot.settings import get_settings

    settings = get_settings()
    return ProposalStore(settings.tables.state, settings.region)


def from_recommendation(rec: Recommendation, requester: str, channel: str, ttl_h: float) -> Proposal:
    return Proposal(
        id=new_id(),
        kind=rec.kind,
        service=rec.service,
        target=rec.target,
        before=rec.current,
        after=rec.proposed,
        rationale=rec.rationale,
        impact=rec.impact,
        confidence=rec.confidence,
        risk=rec.risk,
        source=rec.source,
        fingerprint=rec.fingerprint(),
        requester=requester,
        channel=channel,
        approve_by=int(time.time() + ttl_h * 3600),
    )


def propose(rec: Recommendation, requester: str, channel: str) -> Proposal:
    """Store ``rec`` as a pending proposal and audit it; the card is posted by the caller (Slack side)."""
    from bot.audit import AuditEvent, audit_log
    from bot.settings import get_settings

    p = proposal_store().create(from_recommendation(rec, requester, channel, get_settings().changes.proposal_ttl_h))
    audit_log().append(
        AuditEvent.about(
            p,
            "proposed",
            requester,
            channel=channel,
            detail=f"risk {p.risk}; {p.rationale[:300]}",
        )
    )
    logger.info("proposal_created", extra={"proposal": p.id, "kind": p.kind, "target": p.target})
    return p
