"""A proposal: one recommendation stored server-side, moving through an audited state machine.

proposed ──approve──▶ approved ──▶ applying ──▶ applied ──undo applied──▶ rolled_back
   │                     │             └──────▶ failed
   ├──reject──▶ rejected └─drift──▶ failed
   └──deadline──▶ expired

:class:`bot.changes.orchestrator.ChangeOrchestrator` makes every move; a store only refuses the ones that lost a race.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.cold_starts import ColdStartFacts
from bot.analysis.models import Impact, KindName, Recommendation, Risk, Values

State = Literal["proposed", "approved", "applying", "applied", "failed", "rejected", "expired", "rolled_back"]

# Which state may follow which; anything else is a bug, not a race.
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"approved", "rejected", "expired"}),
    "approved": frozenset({"applying", "failed", "proposed"}),  # → proposed: the approval could not be recorded
    "applying": frozenset({"applied", "failed"}),
    "applied": frozenset({"rolled_back"}),
}
SYSTEM_ACTOR = "perfbot"
AUTO_APPLY_ACTOR = "perfbot:auto-apply"
AUTO_REVERT_ACTOR = "perfbot:auto-revert"


def is_perfbot(actor: str) -> bool:
    """Whether ``actor`` is perfbot itself (its schedule, auto-apply or auto-revert), not a person."""
    return actor == SYSTEM_ACTOR or actor.startswith(f"{SYSTEM_ACTOR}:")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_id() -> str:
    return "chg-" + secrets.token_hex(5)


def undo_id(original_id: str, attempt: int = 0) -> str:
    """The id of the ``attempt``-th undo of a change: the same for every click, so only one can be created."""
    return "chg-" + hashlib.sha256(f"undo:{original_id}:{attempt}".encode()).hexdigest()[:10]


class Proposal(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    kind: KindName
    service: str
    target: str
    before: Values
    after: Values
    rationale: str = ""
    impact: Impact = Field(default_factory=Impact)
    cold_starts: ColdStartFacts | None = None  # PC and memory: the function's measured cold starts, as evidence
    confidence: float = 0.0
    risk: Risk = "medium"
    source: str = "rules"
    fingerprint: str = ""
    requester: str = SYSTEM_ACTOR
    channel: str = ""
    message_ts: str = ""
    state: State = "proposed"
    version: int = 1
    created_at: str = Field(default_factory=now_iso)
    approve_by: int = Field(description="epoch seconds: after this the proposal can no longer be approved")
    approvals: list[str] = Field(
        default_factory=list, description="the first approver of a change that needs two (recorded while proposed)"
    )
    approved_by: str = ""
    approved_at: str = ""
    applied_at: str = ""
    finished_at: str = ""
    error: str = ""
    read_back: Values = Field(default_factory=dict)
    read_back_error: str = ""
    card_stale: bool = (
        False  # Slack did not take the card's last redraw  # applied, but reading it back failed: verification pending
    )
    live: Values = Field(default_factory=dict, description="the live value seen on drift or failure")
    aws_request_ids: list[str] = Field(default_factory=list)
    undo_of: str = ""
    undone_by: str = ""
    verify_due_at: str = ""
    verification: str = ""

    @property
    def expired(self) -> bool:
        return self.state == "expired" or (self.state == "proposed" and time.time() >= self.approve_by)

    @property
    def approvers_needed(self) -> int:
        """Two people for a high-risk change perfbot asked for itself (nobody asked for it); one otherwise. A person
        who asks for a high-risk change needs another to approve it: two people either way."""
        return 2 if self.risk == "high" and is_perfbot(self.requester) else 1

    @property
    def is_undo(self) -> bool:
        return bool(self.undo_of)

    @property
    def abandoned(self) -> bool:
        """Ended without a change: rejected, expired (or past its deadline undecided), or failed."""
        return self.state in ("rejected", "expired", "failed") or self.expired


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
        cold_starts=rec.cold_starts,
        confidence=rec.confidence,
        risk=rec.risk,
        source=rec.source,
        fingerprint=rec.fingerprint(),
        requester=requester,
        channel=channel,
        approve_by=int(time.time() + ttl_h * 3600),
    )
