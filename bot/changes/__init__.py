"""Audited changes: proposals, authorization, the change orchestrator, the change kinds (one module each in
``kinds/``), verification, undo.

The flow is :class:`~bot.changes.orchestrator.ChangeOrchestrator` over three ports: a
:class:`~bot.changes.store.ProposalStore`, an :class:`~bot.audit.AuditLog` and a
:class:`~bot.changes.notifier.ChangeNotifier`. Nothing here knows Slack: ``bot.slack.delivery.changes`` implements the
notifier with cards.
"""

from __future__ import annotations

from bot.changes.models import Proposal, State
from bot.changes.notifier import CardAddress, ChangeNotifier
from bot.changes.orchestrator import ChangeOrchestrator, Expiry, Outcome
from bot.changes.store import (
    Conflict,
    DynamoProposalStore,
    InMemoryProposalStore,
    ProposalStore,
    UnknownProposal,
    proposal_store,
)

__all__ = [
    "CardAddress",
    "ChangeNotifier",
    "ChangeOrchestrator",
    "Conflict",
    "DynamoProposalStore",
    "Expiry",
    "InMemoryProposalStore",
    "Outcome",
    "Proposal",
    "ProposalStore",
    "State",
    "UnknownProposal",
    "proposal_store",
]
