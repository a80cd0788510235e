"""One audit event: who did what to which resource, when, with which values, and the hash that chains it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

Action = Literal[
    "proposed",
    "first_approval",
    "approved",
    "refused",
    "rejected",
    "drift",
    "applied",
    "failed",
    "expired",
    "verified",
    "undo_requested",
    "rolled_back",
    "maintenance_on",  # alarm notifications muted (everywhere or for one service) by `/perf maintenance on`
    "maintenance_off",
]
GENESIS = "0" * 64  # prev_hash of the first event


def utcnow() -> datetime:
    return datetime.now(UTC)


class Change(Protocol):
    """What an audit event says about a proposal (``bot.changes.models.Proposal`` has these)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def before(self) -> Mapping[str, Any]: ...
    @property
    def after(self) -> Mapping[str, Any]: ...


class AuditEvent(BaseModel):
    """What happened; the chain fields (seq, prev_hash, hash) are filled in by :class:`bot.audit.log.HashChainedLog`."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    actor: str = Field(description="Slack user id, or 'perfbot' / 'perfbot:auto-apply' for the bot itself")
    change_id: str = ""
    kind: str = ""
    resource: str = ""
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)
    source: str = ""
    detail: str = ""
    channel: str = ""
    slack_request_ids: dict[str, str] = Field(default_factory=dict)
    aws_request_ids: list[str] = Field(default_factory=list)
    at: str = Field(default_factory=lambda: utcnow().isoformat(timespec="milliseconds"))
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""

    @classmethod
    def about(cls, change: Change, action: Action, actor: str, **fields: Any) -> AuditEvent:
        """An event about ``change``: its id, kind, resource, values and source, unless ``fields`` say otherwise."""
        base: dict[str, Any] = {
            "change_id": change.id,
            "kind": change.kind,
            "resource": change.target,
            "before": dict(change.before),
            "after": dict(change.after),
            "source": change.source,
        }
        return cls(action=action, actor=actor, **(base | fields))

    def body(self) -> str:
        """The canonical JSON of everything but the hash itself — what the hash covers and what is stored."""
        return json.dumps(self.model_dump(exclude={"hash"}), sort_keys=True, separators=(",", ":"), default=str)

    def compute_hash(self) -> str:
        return hashlib.sha256(self.body().encode()).hexdigest()
