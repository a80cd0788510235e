"""The one output model of analysis, shared by the rule engine, the Bedrock analyzer and the change handlers.

The model may only propose: ``risk`` is computed by code (:mod:`bot.analysis.guardrails`), never taken from a model.
"""

from __future__ import annotations

import hashlib
import json
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal[
    "lambda_memory",
    "lambda_provisioned_concurrency",
    "apigw_cache",
    "apigw_throttling",
    "dynamodb_capacity",
    "breaker_thresholds",
]
KINDS: tuple[str, ...] = get_args(Kind)
Risk = Literal["low", "medium", "high"]

# Value shapes per kind (all plain JSON so proposals can be stored and rendered without guessing):
#   lambda_memory:                   {"memory_mb": 1024}
#   lambda_provisioned_concurrency:  {"units": 5}                     (target = "<function>:<alias or version>")
#   apigw_cache:                     {"enabled": true, "cluster_size_gb": "0.5", "ttl_s": 300}
#   apigw_throttling:                {"rate_limit": 1000.0, "burst_limit": 2000}
#   dynamodb_capacity:               {"read_units": 75, "write_units": 37}
#   breaker_thresholds:              {"failure_threshold": 10, "open_timeout_s": 60, "half_open_success_threshold": 3}
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

    kind: Kind
    service: str
    target: str = Field(description="the resource: function name[:qualifier], 'api/stage', table name, breaker key")
    current: Values
    proposed: Values
    rationale: str = Field(max_length=1500)
    impact: Impact = Field(default_factory=Impact)
    confidence: float = Field(ge=0, le=1)
    risk: Risk = "medium"
    source: str = Field(default="rules", description="'rules' or the Bedrock model id")

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
