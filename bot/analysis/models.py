"""The one output model of analysis, shared by the rule engine, the Bedrock analyzer and the change handlers.

The model may only propose: ``risk`` is computed by code (:mod:`bot.analysis.guardrails`), never taken from a model.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.analysis.cold_starts import ColdStartFacts

Risk = Literal["low", "medium", "high"]


def known_kind(kind: str) -> str:
    """A kind registered in :mod:`bot.changes.kinds` (each kind's values model says its value shape)."""
    from bot.changes.kinds import kind_spec  # imported here: the kinds build on this module

    return kind_spec(kind).name


KindName = Annotated[str, AfterValidator(known_kind)]
# A kind's values as plain JSON, so proposals can be stored and rendered without guessing
Values = dict[str, float | int | str | bool]


class Impact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    p95_ms_delta: float | None = Field(
        default=None, description="expected change of p95 latency, ms (negative = faster)"
    )
    monthly_cost_delta_usd: float | None = Field(default=None, description="expected change of monthly cost, USD")
    summary: str = ""


class Recommendation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: KindName
    service: str
    target: str = Field(description="the resource: function name[:qualifier], 'api/stage', table name, breaker key")
    current: Values
    proposed: Values
    rationale: str = Field(max_length=1500)
    impact: Impact = Field(default_factory=Impact)
    confidence: float = Field(ge=0, le=1)
    risk: Risk = "medium"
    source: str = Field(default="rules", description="'rules' or the Bedrock model id")
    cold_starts: ColdStartFacts | None = None  # PC and memory cards: the function's measured cold starts (by code)

    def fingerprint(self) -> str:
        """Identity of the proposed change (kind, target, proposed values) — to de-duplicate and to detect changes."""
        body = json.dumps([self.kind, self.target, self.proposed], sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()[:16]


class DroppedRecommendation(BaseModel):
    """A recommendation the guardrails refused, with why (logged and counted, never shown as a card)."""

    kind: str
    target: str
    source: str
    reason: str
    proposed: dict[str, object] = Field(default_factory=dict)

    @classmethod
    def of(cls, rec: Recommendation, reason: str) -> DroppedRecommendation:
        return cls(kind=rec.kind, target=rec.target, source=rec.source, reason=reason, proposed=dict(rec.proposed))


class AnalysisResult(BaseModel):
    """One analysis of one service: what survived the guardrails, what was dropped, who answered, and notes."""

    service: str
    recommendations: list[Recommendation] = Field(default_factory=list)
    dropped: list[DroppedRecommendation] = Field(default_factory=list)
    source: str = "rules"  # "rules" or the Bedrock model id that answered
    notes: list[str] = Field(default_factory=list)
    kind: str | None = None

    @property
    def source_label(self) -> str:
        return "rule engine" if self.source == "rules" else f"Bedrock {self.source}"
