"""The deterministic rule engine: the offline default and the fallback whenever Bedrock cannot answer.

Each rule looks at one resource, returns at most one Recommendation whose rationale quotes the numbers it used,
and stays silent when a number it needs was not measured. Guardrails run afterwards, as for the model's output.
"""

from __future__ import annotations

from bot.analysis.inputs import BreakerInputs, ServiceInputs
from bot.analysis.models import Impact, Recommendation
from bot.analysis.rule_context import RuleContext
from bot.analysis.rules_api import cache_rule, throttling_rule
from bot.analysis.rules_dynamodb import capacity_rule
from bot.analysis.rules_lambda import memory_rule, provisioned_concurrency_rule
from bot.breaker.models import HIGH_TRAFFIC_QPS, LOW_TRAFFIC_QPS, adaptive_threshold


def breaker_rule(breaker: BreakerInputs, qps: float | None, ctx: RuleContext) -> Recommendation | None:
    """The seed's adaptive rule on typical traffic, and an open timeout no longer than the recovery SLO."""
    if qps is None:
        return None
    threshold = adaptive_threshold(qps)
    timeout = min(breaker.open_timeout_s, ctx.slo.breaker_recovery_s)
    if threshold == breaker.failure_threshold and timeout == breaker.open_timeout_s:
        return None
    reasons = []
    if threshold != breaker.failure_threshold:
        band = (
            f"above {HIGH_TRAFFIC_QPS:.0f}"
            if qps > HIGH_TRAFFIC_QPS
            else f"below {LOW_TRAFFIC_QPS:.0f}"
            if qps < LOW_TRAFFIC_QPS
            else f"between {LOW_TRAFFIC_QPS:.0f} and {HIGH_TRAFFIC_QPS:.0f}"
        )
        effect = "trips on ordinary noise" if threshold > breaker.failure_threshold else "reacts too late"
        reasons.append(
            f"Typical traffic is {qps:.1f} requests/s ({band}), for which the guide's adaptive rule sets a failure "
            f"threshold of {threshold}; the configured {breaker.failure_threshold} {effect}."
        )
    if timeout != breaker.open_timeout_s:
        reasons.append(
            f"The open timeout of {breaker.open_timeout_s:.0f} s alone exceeds the {ctx.slo.breaker_recovery_s:.0f} s "
            "recovery SLO; the breaker cannot recover faster than it waits."
        )
    return Recommendation(
        kind="breaker_thresholds",
        service=ctx.service,
        target=breaker.key,
        current={
            "failure_threshold": breaker.failure_threshold,
            "open_timeout_s": breaker.open_timeout_s,
            "half_open_success_threshold": breaker.half_open_success_threshold,
        },
        proposed={
            "failure_threshold": threshold,
            "open_timeout_s": timeout,
            "half_open_success_threshold": breaker.half_open_success_threshold,
        },
        rationale=" ".join(reasons),
        impact=Impact(
            p95_ms_delta=None,
            monthly_cost_delta_usd=0.0,
            summary="fewer false trips" if threshold > breaker.failure_threshold else "faster protection/recovery",
        ),
        confidence=0.8,
    )


def run_rules(inputs: ServiceInputs, ctx: RuleContext, kind: str | None = None) -> list[Recommendation]:
    """Every rule over every resource of the service (only ``kind`` when given), in a stable order."""
    found: list[Recommendation | None] = []
    for fn in inputs.lambdas:
        found += [memory_rule(fn, ctx), provisioned_concurrency_rule(fn, ctx)]
    if inputs.api is not None:
        found += [cache_rule(inputs.api, ctx), throttling_rule(inputs.api, ctx)]
    found += [capacity_rule(table, ctx) for table in inputs.tables]
    if inputs.breaker is not None:
        qps = inputs.api.median_rps if inputs.api is not None else None
        found.append(breaker_rule(inputs.breaker, qps, ctx))
    return [r for r in found if r is not None and (kind is None or r.kind == kind)]
