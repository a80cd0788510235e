"""A proposal: one recommendation stored server-side, moving through an audited state machine.

proposed ──approve──▶ approved ──▶ applying ──▶ applied ──undo applied──▶ rolled_back
   │                     │             └──────▶ failed
   ├──reject──▶ rejected └─drift──▶ failed
   └──deadline──▶ expired
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.models import Impact, KindName, Risk, Values

State = Literal["proposed", "approved", "applying", "applied", "failed", "rejected", "expired", "rolled_back"]

# Which state may follow which; anything else is a bug, not a race.
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"approved", "rejected", "expired"}),
    "approved": frozenset({"applying", "failed"}),
    "applying": frozenset({"applied", "failed"}),
    "applied": frozenset({"rolled_back"}),
}
SYSTEM_ACTOR = "perfbot"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    approved_by: str = ""
    approved_at: str = ""
    applied_at: str = ""
    finished_at: str = ""
    error: str = ""
    read_back: Values = Field(default_factory=dict)
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
    def is_undo(self) -> bool:
        return bool(self.undo_of)
