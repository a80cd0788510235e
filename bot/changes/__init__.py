"""Audited changes: proposals, authorization, the apply orchestrator, the change kinds (one module each in
``kinds/``), verification, undo.

The public entry points; Slack delivery lives in :mod:`bot.changes.cards`.
"""

from __future__ import annotations

from bot.changes.models import Proposal, State
from bot.changes.proposals import Conflict, ProposalStore, UnknownProposal, proposal_store, propose

__all__ = ["Conflict", "Proposal", "ProposalStore", "State", "UnknownProposal", "proposal_store", "propose"]
