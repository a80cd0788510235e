"""``analyze(service)``: gather the inputs, ask Bedrock or the rule engine, pass everything through the guardrails.

``analysis.analyzer`` (``PERFBOT_ANALYZER``) picks the source; when Bedrock fails for any reason the rule engine
answers and the result's notes say so ("Bedrock unavailable: …; rule engine used").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.analysis.cold_starts import with_cold_starts
from bot.analysis.groups import GROUPS, find_group
from bot.analysis.guardrails import apply_guardrails
from bot.analysis.inputs import ServiceInputs
from bot.analysis.models import AnalysisResult, DroppedRecommendation, Recommendation
from bot.analysis.rule_context import RuleContext
from bot.analysis.rules import run_rules
from bot.changes.kinds import find_kind, kind_names
from bot.settings import Settings, get_settings

if TYPE_CHECKING:
    from bot.analysis.bedrock import BedrockAnalyzer

logger = logging.getLogger(__name__)


class AnalysisRequestError(ValueError):
    """Unknown service or kind; the message lists what exists."""


def pending_proposals(settings: Settings, service: str) -> set[str]:
    """Fingerprints of the service's proposals still awaiting a decision (the changes capability's store)."""
    from bot.aws.clients import AwsError
    from bot.changes.store import proposal_store

    try:
        return {p.fingerprint for p in proposal_store().pending() if p.service == service and p.fingerprint}
    except AwsError as exc:  # a duplicate card is refused at approval by the drift check; a missing analysis is worse
        logger.warning("pending_proposals_unreadable", extra={"service": service, "error": str(exc)})
        return set()


# Which proposals are pending; replaceable (tests, or a deployment without the changes capability).
pending_fingerprints_provider: Callable[[Settings, str], set[str]] = pending_proposals


def check_request(settings: Settings, service: str | None, kind: str | None) -> list[str]:
    """The services to analyse (all configured ones when ``service`` is None); raises on unknown names."""
    if kind is not None and find_kind(kind) is None and find_group(kind) is None:
        known = ", ".join([*kind_names(), *GROUPS])
        raise AnalysisRequestError(f"unknown kind {kind!r}; known kinds and analysis types: {known}")
    if service is None:
        return settings.service_names
    if settings.service(service) is None:
        known = ", ".join(settings.service_names) or "none configured"
        raise AnalysisRequestError(f"unknown service {service!r}; known services: {known}")
    return [service]


def _model_recommendations(
    settings: Settings,
    inputs: ServiceInputs,
    kind: str | None,
    context_text: str | None,
    notes: list[str],
    model: BedrockAnalyzer | None,
) -> tuple[list[Recommendation], list[DroppedRecommendation], str] | None:
    from bot.analysis.bedrock import BedrockAnalyzer, BedrockUnavailable

    try:
        model = model or BedrockAnalyzer(settings)
        answer = model.analyze(inputs, kind=kind, context_text=context_text)
    except BedrockUnavailable as exc:
        notes.append(f"Bedrock unavailable: {exc}; rule engine used")
        return None
    recommendations = [r for r in answer.recommendations if kind is None or r.kind == kind]
    return recommendations, answer.dropped, answer.model_id


def analyze(
    service: str,
    kind: str | None = None,
    *,
    context_text: str | None = None,
    settings: Settings | None = None,
    inputs: ServiceInputs | None = None,
    pending_fingerprints: set[str] | None = None,
    model: BedrockAnalyzer | None = None,
    now: datetime | None = None,
) -> AnalysisResult:
    """Recommendations for one service (only ``kind`` when given), every one of them guardrail-checked."""
    settings = settings or get_settings()
    check_request(settings, service, kind)
    if inputs is None:
        from bot.analysis.gather import gather

        configured = settings.service(service)
        assert configured is not None  # check_request refused unknown services
        inputs = gather(settings, configured, now=now)
    notes = list(inputs.notes)
    group = find_group(kind)
    kind_only = None if group is not None else kind
    dropped: list[DroppedRecommendation] = []
    source = "rules"
    answered = None
    if settings.analysis.analyzer == "bedrock":
        answered = _model_recommendations(settings, inputs, kind_only, context_text, notes, model)
    ctx = RuleContext.for_service(settings, service, inputs.window_h)
    if answered is not None:
        candidates, dropped, source = answered
    else:
        candidates = run_rules(inputs, ctx, kind_only)
    if group is not None:
        candidates = [rec for rec in candidates if group.admits(rec)]
    candidates = with_cold_starts(candidates, inputs, ctx.window)
    if pending_fingerprints is None:
        pending_fingerprints = pending_fingerprints_provider(settings, service)
    checked = apply_guardrails(candidates, inputs, settings.changes.max_step, pending_fingerprints=pending_fingerprints)
    result = AnalysisResult(
        service=service,
        recommendations=checked.accepted,
        dropped=dropped + checked.dropped,
        source=source,
        notes=notes + ctx.notes,
        kind=kind,
    )
    logger.info(
        "analysis_done",
        extra={
            "service": service,
            "source": source,
            "recommendations": len(result.recommendations),
            "dropped": len(result.dropped),
        },
    )
    return result
