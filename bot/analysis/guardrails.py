"""Guardrails: code decides what a recommendation may propose, whichever source (rules or model) produced it.

Checks, in order: allow-listed kind; target is a resource of the configured service; ``current`` equals the live
configuration; the value shape of the kind; AWS-valid values; no step larger than ``changes.max_step``; a real
change; no duplicate of a pending proposal or of an earlier recommendation in the same batch. What fails is
dropped with its reason (logged, never rendered as a card). Survivors get their risk level computed here.

Risk table (the model never sets risk):

=============================  ==========================================================  =======
kind                           change                                                      risk
=============================  ==========================================================  =======
lambda_memory                  increase up to ×1.5                                         low
lambda_memory                  larger increase, or a decrease of up to 25 %                medium
lambda_memory                  decrease of more than 25 %                                  high
lambda_provisioned_concurrency any change (billed every hour; a decrease brings back cold   medium
                               starts)
apigw_cache                    TTL or size only, cache stays on                            low
apigw_cache                    enable or disable the cache (stale responses / cold cache)  medium
apigw_throttling               raise the limits                                            medium
apigw_throttling               lower the limits (real clients may get 429)                 high
dynamodb_capacity              increase only                                               low
dynamodb_capacity              any decrease (throttling risk)                              high
breaker_thresholds             failure threshold moves by ≤ 5 and timeout not longer       low
breaker_thresholds             anything else                                               medium
=============================  ==========================================================  =======
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.analysis.inputs import ServiceInputs
from bot.analysis.models import KINDS, DroppedRecommendation, Recommendation, Risk
from bot.analysis.validity import ValueProblem, check_values, resource_targets
from bot.settings import MaxStep

logger = logging.getLogger(__name__)


@dataclass
class GuardrailResult:
    accepted: list[Recommendation]
    dropped: list[DroppedRecommendation]


def compute_risk(rec: Recommendation) -> Risk:
    cur, new = rec.current, rec.proposed

    def ratio(key: str) -> float:
        before = float(cur.get(key) or 0)
        return float(new[key]) / before if before else float("inf")

    if rec.kind == "lambda_memory":
        r = ratio("memory_mb")
        return "low" if 1 < r <= 1.5 else "high" if r < 0.75 else "medium"
    if rec.kind == "lambda_provisioned_concurrency":
        return "medium"
    if rec.kind == "apigw_cache":
        return "low" if bool(cur.get("enabled")) and bool(new.get("enabled")) else "medium"
    if rec.kind == "apigw_throttling":
        lower = float(new["rate_limit"]) < float(cur["rate_limit"]) or int(new["burst_limit"]) < int(cur["burst_limit"])
        return "high" if lower else "medium"
    if rec.kind == "dynamodb_capacity":
        lower = any(int(new[k]) < int(cur.get(k) or 0) for k in ("read_units", "write_units"))
        return "high" if lower else "low"
    small = abs(int(new["failure_threshold"]) - int(cur.get("failure_threshold") or 0)) <= 5
    return "low" if small and float(new["open_timeout_s"]) <= float(cur.get("open_timeout_s") or 0) else "medium"


def _step_problem(rec: Recommendation, step: MaxStep) -> str | None:
    cur, new = rec.current, rec.proposed

    def beyond(key: str, factor: float) -> bool:
        before, after = float(cur[key]), float(new[key])
        return before > 0 and (after > before * factor or after < before / factor)

    if rec.kind == "lambda_memory" and beyond("memory_mb", step.lambda_memory_factor):
        return f"memory step {cur['memory_mb']} → {new['memory_mb']} MB exceeds ×{step.lambda_memory_factor}"
    units_step = abs(int(new.get("units", 0)) - int(cur.get("units", 0)))
    if rec.kind == "lambda_provisioned_concurrency" and units_step > step.provisioned_concurrency_units:
        return f"provisioned concurrency step exceeds {step.provisioned_concurrency_units} units"
    if rec.kind == "dynamodb_capacity":
        for key in ("read_units", "write_units"):
            if beyond(key, step.dynamodb_capacity_factor):
                return f"{key} step {cur[key]} → {new[key]} exceeds ×{step.dynamodb_capacity_factor}"
    if rec.kind == "apigw_throttling":
        for key in ("rate_limit", "burst_limit"):
            if beyond(key, step.apigw_throttle_factor):
                return f"{key} step {cur[key]} → {new[key]} exceeds ×{step.apigw_throttle_factor}"
    return None


def _target_problem(rec: Recommendation, inputs: ServiceInputs) -> str | None:
    if rec.kind not in KINDS:
        return f"kind {rec.kind!r} is not allow-listed"
    if rec.service != inputs.service:
        return f"service {rec.service!r} is not the analysed service {inputs.service!r}"
    live = resource_targets(inputs).get(rec.kind, {})
    if rec.target not in live:
        known = ", ".join(sorted(live)) or "none"
        return f"target {rec.target!r} is not a configured {rec.kind} resource (configured: {known})"
    if rec.current != live[rec.target]:
        return f"current {rec.current} does not match the live configuration {live[rec.target]}"
    return None


def _value_problem(rec: Recommendation, inputs: ServiceInputs, step: MaxStep) -> str | None:
    try:
        check_values(rec, inputs)
    except ValueProblem as problem:
        return str(problem)
    if rec.proposed == rec.current:
        return "proposes no change"
    return _step_problem(rec, step)


def _duplicate_problem(rec: Recommendation, seen: set[str], pending: set[str]) -> str | None:
    fingerprint = rec.fingerprint()
    if fingerprint in pending:
        return "duplicates a pending proposal"
    if fingerprint in seen:
        return "duplicates another recommendation in this analysis"
    return None


def _problem(
    rec: Recommendation, inputs: ServiceInputs, step: MaxStep, seen: set[str], pending: set[str]
) -> str | None:
    """The first reason to drop ``rec``; the value checks run only on a known, live target."""
    return _target_problem(rec, inputs) or _value_problem(rec, inputs, step) or _duplicate_problem(rec, seen, pending)


def apply_guardrails(
    recommendations: list[Recommendation],
    inputs: ServiceInputs,
    step: MaxStep,
    *,
    pending_fingerprints: set[str] | None = None,
) -> GuardrailResult:
    """Keep what is allowed (with code-computed risk), drop the rest with a reason."""
    accepted: list[Recommendation] = []
    dropped: list[DroppedRecommendation] = []
    seen: set[str] = set()
    targets_changed: set[tuple[str, str]] = set()
    for rec in recommendations:
        problem = _problem(rec, inputs, step, seen, pending_fingerprints or set())
        if problem is None and (rec.kind, rec.target) in targets_changed:
            problem = "a second change to the same resource in one analysis"
        if problem is not None:
            logger.warning(
                "recommendation_dropped",
                extra={"kind": rec.kind, "target": rec.target, "source": rec.source, "reason": problem},
            )
            dropped.append(DroppedRecommendation.of(rec, problem))
            continue
        seen.add(rec.fingerprint())
        targets_changed.add((rec.kind, rec.target))
        accepted.append(rec.model_copy(update={"risk": compute_risk(rec)}))
    return GuardrailResult(accepted=accepted, dropped=dropped)
