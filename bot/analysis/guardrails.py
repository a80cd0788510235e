"""Guardrails: code decides what a recommendation may propose, whichever source (rules or model) produced it.

Checks, in order: allow-listed kind; target is a resource of the configured service; ``current`` equals the live
configuration; the value shape of the kind; AWS-valid values; no step larger than ``changes.max_step``; a real
change; measured evidence for its direction (what the rules would refuse for lack of evidence is refused from a model
too); no duplicate of a pending proposal or of an earlier recommendation in the same batch. What fails is
dropped with its reason (logged, never rendered as a card). Survivors get their risk level computed here.

Risk is computed by each kind's ``risk`` rule (:mod:`bot.changes.kinds`), never taken from a model; the table of
the shipped kinds is in docs/analysis.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.analysis.inputs import ServiceInputs
from bot.analysis.models import DroppedRecommendation, Recommendation, Risk
from bot.analysis.validity import ValueProblem, check_values
from bot.changes.kinds import find_kind, kind_spec
from bot.settings import MaxStep

logger = logging.getLogger(__name__)


@dataclass
class GuardrailResult:
    accepted: list[Recommendation]
    dropped: list[DroppedRecommendation]


def compute_risk(rec: Recommendation) -> Risk:
    """The risk of ``rec`` by its kind's rule (an unknown kind is an error, never a default)."""
    return kind_spec(rec.kind).risk(rec.current, rec.proposed)


def _target_problem(rec: Recommendation, inputs: ServiceInputs) -> str | None:
    kind = find_kind(rec.kind)
    if kind is None:
        return f"kind {rec.kind!r} is not allow-listed"
    if rec.service != inputs.service:
        return f"service {rec.service!r} is not the analysed service {inputs.service!r}"
    live = kind.live_targets(inputs)
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
    spec = kind_spec(rec.kind)
    return spec.step_problem(rec.current, rec.proposed, step) or spec.evidence_problem(
        rec.target, rec.current, rec.proposed, inputs
    )


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
