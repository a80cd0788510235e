"""The other decisions on a card: Reject, and Undo — a new proposal for the inverse change, approved like any other."""

from __future__ import annotations

import time

from bot.audit import AuditEvent
from bot.changes.apply import ChangeOrchestrator, Outcome
from bot.changes.authorize import Click, Directory, Refusal, authorize_decider
from bot.changes.kinds import kind_spec
from bot.changes.models import Proposal, now_iso
from bot.changes.proposals import Conflict, UnknownProposal, new_id

UNKNOWN = Refusal("unknown", "This proposal does not exist (any more). Nothing was changed.")


def reject(orchestrator: ChangeOrchestrator, proposal_id: str, click: Click, directory: Directory) -> Outcome:
    """Approvers may reject, and a requester may withdraw their own proposal; conditional like approval."""
    try:
        proposal = orchestrator.store.get(proposal_id)
    except UnknownProposal:
        orchestrator.refuse(proposal_id, None, click, UNKNOWN)
        return Outcome("refused", None, UNKNOWN)
    if proposal.state != "proposed":
        return Outcome("already", proposal)
    refusal = None if click.user == proposal.requester else authorize_decider(click, orchestrator.settings, directory)
    if refusal is not None:
        orchestrator.refuse(proposal_id, proposal, click, refusal)
        return Outcome("refused", proposal, refusal)
    try:
        rejected = orchestrator.store.transition(
            proposal.id, "proposed", "rejected", {"approved_by": click.user, "finished_at": now_iso()}
        )
    except Conflict as lost:
        return Outcome("already", lost.current)
    orchestrator.record("rejected", rejected, click)
    return Outcome("rejected", rejected)


def inverse_proposal(original: Proposal, requester: str, ttl_h: float) -> Proposal:
    """The undo of ``original``: from what AWS reported after the change back to what it was before."""
    before = dict(original.read_back or original.after)
    return Proposal(
        id=new_id(),
        kind=original.kind,
        service=original.service,
        target=original.target,
        before={k: v for k, v in before.items() if k in original.after},
        after=kind_spec(original.kind).inverse(original.before, original.after),
        rationale=f"Undo of {original.id}: restore the value from before that change.",
        risk=original.risk,
        confidence=1.0,
        source=f"undo:{original.id}",
        fingerprint=original.fingerprint,
        requester=requester,
        channel=original.channel,
        approve_by=int(time.time() + ttl_h * 3600),
        undo_of=original.id,
    )


def request_undo(
    orchestrator: ChangeOrchestrator, original_id: str, click: Click, directory: Directory
) -> tuple[Outcome, Proposal | None]:
    """Create (and audit) the inverse proposal of an applied change; the caller posts its card, then approves it.

    Returns (refused/already outcome, None) when no undo may be created.
    """
    try:
        original = orchestrator.store.get(original_id)
    except UnknownProposal:
        orchestrator.refuse(original_id, None, click, UNKNOWN)
        return Outcome("refused", None, UNKNOWN), None
    if original.state != "applied":
        return Outcome("already", original), None
    refusal = authorize_decider(click, orchestrator.settings, directory)
    if refusal is not None:
        orchestrator.refuse(original_id, original, click, refusal)
        return Outcome("refused", original, refusal), None
    undo = orchestrator.store.create(
        inverse_proposal(original, click.user, orchestrator.settings.changes.proposal_ttl_h)
    )
    orchestrator.audit.append(
        AuditEvent.about(
            undo,
            "undo_requested",
            click.user,
            change_id=original.id,  # recorded on the change being undone
            channel=click.channel_id,
            slack_request_ids=click.slack_ids,
            detail=f"undo proposal {undo.id}",
        )
    )
    orchestrator.record("proposed", undo, click, detail=f"undo of {original.id}")
    return Outcome("already", original), undo
