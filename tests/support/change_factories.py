"""Recommendations and proposals for change tests (the value shapes of bot/analysis/models.py)."""

from __future__ import annotations

import time
from typing import Any, ClassVar

from bot.analysis.models import Impact, Recommendation
from bot.changes.models import Proposal, new_id


def memory_rec(before: int = 1024, after: int = 1536, risk: str = "medium") -> Recommendation:
    return Recommendation(
        kind="lambda_memory",
        service="monitoring-api",
        target="monitoring-api-dev",
        current={"memory_mb": before},
        proposed={"memory_mb": after},
        rationale="p95 duration 4200 ms at 1024 MB; CPU scales with memory.",
        impact=Impact(p95_ms_delta=-900, monthly_cost_delta_usd=12.5, summary="faster"),
        confidence=0.8,
        risk=risk,
    )


def proposal(**fields: Any) -> Proposal:
    data: dict[str, Any] = {
        "id": new_id(),
        "kind": "lambda_memory",
        "service": "monitoring-api",
        "target": "monitoring-api-dev",
        "before": {"memory_mb": 1024},
        "after": {"memory_mb": 1536},
        "risk": "medium",
        "requester": "U0REQUESTR",
        "channel": "C0PERFALRT",
        "approve_by": int(time.time()) + 3600,
    }
    return Proposal.model_validate(data | fields)


class FakeDirectory:
    """``bot.changes.authorize.Directory`` without Slack: approver groups and channel IDs from dicts."""

    CHANNELS: ClassVar[dict[str, str]] = {
        "#perf-alerts": "C0PERFALRT",
        "#perf-reports": "C0PERFREPT",
        "#perf-changes": "C0CHANGES1",
    }

    def __init__(self, groups: dict[str, list[str]] | None = None, channels: dict[str, str] | None = None) -> None:
        self.groups = groups or {}
        self.channels = self.CHANNELS if channels is None else channels

    def members_of(self, group: str) -> list[str]:
        return list(self.groups.get(group, []))

    def channel_id(self, channel: str) -> str:
        if channel.startswith(("C", "G", "D")) and channel.isupper():
            return channel
        if channel not in self.channels:
            raise LookupError(channel)
        return self.channels[channel]
