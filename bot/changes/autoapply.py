"""Changes without a click — only where the configuration allows it, and audited like any other.

* ``changes.auto_apply_low_risk`` (off by default): a low-risk proposal is approved by ``perfbot:auto-apply`` as
  soon as its card is posted (the seed's "safe optimizations"; never medium or high risk, never an undo).
* ``changes.auto_revert_on_regression`` (off by default): verification found a regression → perfbot undoes it.
"""

from __future__ import annotations

from bot.audit import AuditEvent
from bot.changes.apply import ChangeOrchestrator, Outcome
from bot.changes.cards import ChangeCards
from bot.changes.decisions import inverse_proposal
from bot.changes.models import Proposal

AUTO_APPLY_ACTOR = "perfbot:auto-apply"
AUTO_REVERT_ACTOR = "perfbot:auto-revert"


def may_auto_apply(p: Proposal, auto_apply_low_risk: bool) -> bool:
    return auto_apply_low_risk and p.risk == "low" and p.state == "proposed" and not p.undo_of


def auto_apply(orchestrator: ChangeOrchestrator, p: Proposal) -> Outcome | None:
    """Apply ``p`` now if the configuration allows low-risk auto-apply; None when it does not."""
    if not may_auto_apply(p, orchestrator.settings.changes.auto_apply_low_risk):
        return None
    return orchestrator.approve_automatically(p, AUTO_APPLY_ACTOR)


def revert_automatically(orchestrator: ChangeOrchestrator, cards: ChangeCards, p: Proposal) -> Outcome:
    """Undo ``p`` after a regression: a new inverse proposal, its card in the thread, approved by perfbot."""
    undo = orchestrator.store.create(
        inverse_proposal(p, AUTO_REVERT_ACTOR, orchestrator.settings.changes.proposal_ttl_h)
    )
    orchestrator.audit.append(
        AuditEvent.about(
            undo,
            "undo_requested",
            AUTO_REVERT_ACTOR,
            change_id=p.id,  # recorded on the change being undone
            detail=f"regression found by verification; undo proposal {undo.id}",
        )
    )
    undo = cards.post(undo, thread_ts=p.message_ts or None)
    return orchestrator.approve_automatically(undo, AUTO_REVERT_ACTOR)
