"""Lambda rules: memory right-sizing and provisioned concurrency. Each explains itself with the numbers it used."""

from __future__ import annotations

import math

from bot.analysis.estimates import (
    DEFAULT_CPU_SHARE,
    FULL_VCPU_MB,
    cpu_scaled_duration,
    lambda_compute_cost,
    pct,
    per_month,
    provisioned_concurrency_cost,
    round_up_memory,
    usd,
)
from bot.analysis.inputs import LambdaInputs
from bot.analysis.models import Impact, Recommendation
from bot.analysis.rule_context import RuleContext

MEMORY_PRESSURE_PCT = 85.0  # above this peak use, out-of-memory kills and GC pauses are near
MEMORY_HEADROOM = 0.7  # size so that peak use lands at 70 %
IDLE_MEMORY_PCT = 30.0  # below this peak use the function pays for memory it never touches
IDLE_TARGET = 0.6  # size down so that peak use lands at 60 %
CPU_BOUND_SHARE = 0.5
SLOW_SHARE_OF_SLO = 0.5  # the function alone uses half of the end-to-end latency SLO
COLD_START_SHARE = 0.02  # 2 % of invocations pay the init duration
COLD_START_MIN_INIT_MS = 250.0  # shorter inits are not worth keeping capacity warm
P95_TAIL_SHARE = 0.05  # cold starts above 5 % of invocations sit inside the p95


def _memory_utilization(fn: LambdaInputs) -> float | None:
    if fn.memory_utilization_max_pct is not None:
        return fn.memory_utilization_max_pct
    if fn.memory_used_max_mb is not None and fn.memory_mb:
        return fn.memory_used_max_mb / fn.memory_mb * 100
    return None


def _memory_recommendation(
    fn: LambdaInputs, ctx: RuleContext, new_mb: int, reason: str, confidence: float, cpu_share: float | None
) -> Recommendation:
    cpu_share = cpu_share if cpu_share is not None else DEFAULT_CPU_SHARE
    invocations_month = per_month(fn.invocations, ctx.window_h)
    avg = fn.duration_avg_ms or 0.0
    new_avg = cpu_scaled_duration(avg, fn.memory_mb, new_mb, cpu_share)
    cost = lambda_compute_cost(new_mb, new_avg, invocations_month, ctx.pricing) - lambda_compute_cost(
        fn.memory_mb, avg, invocations_month, ctx.pricing
    )
    p95 = fn.duration_p95_ms
    delta = None if p95 is None else cpu_scaled_duration(p95, fn.memory_mb, new_mb, cpu_share) - p95
    model = f"CPU share {pct(cpu_share)}, from {fn.cpu_share_source}"
    return Recommendation(
        kind="lambda_memory",
        service=ctx.service,
        target=fn.name,
        current={"memory_mb": fn.memory_mb},
        proposed={"memory_mb": new_mb},
        rationale=f"{reason} Estimate: only the CPU part of the duration scales with memory ({model}).",
        impact=Impact(
            p95_ms_delta=None if delta is None else round(delta, 1),
            monthly_cost_delta_usd=round(cost, 2),
            summary=f"Lambda p95 {'' if delta is None else f'{delta:+.0f} ms'}, {usd(cost)}".strip(),
        ),
        confidence=confidence,
    )


def _memory_used(fn: LambdaInputs) -> tuple[float, float] | None:
    """(peak utilisation %, peak MB used) from Lambda Insights, or None without it."""
    util = _memory_utilization(fn)
    if util is None:
        return None
    used = fn.memory_used_max_mb if fn.memory_used_max_mb is not None else fn.memory_mb * util / 100
    return util, used


def memory_pressure(fn: LambdaInputs, ctx: RuleContext) -> Recommendation | None:
    measured = _memory_used(fn)
    if measured is None or measured[0] < MEMORY_PRESSURE_PCT:
        return None
    util, used = measured
    new_mb = round_up_memory(max(fn.memory_mb * 1.25, used / MEMORY_HEADROOM))
    new_mb = min(new_mb, int(fn.memory_mb * ctx.max_step.lambda_memory_factor) // 64 * 64 or 128, 10240)
    reason = (
        f"Peak memory use is {used:.0f} of {fn.memory_mb} MB ({util:.0f} %, above {MEMORY_PRESSURE_PCT:.0f} %): "
        f"out-of-memory kills and GC pauses are close. {new_mb} MB puts peak use at {used / new_mb:.0%}."
    )
    return _memory_recommendation(fn, ctx, new_mb, reason, 0.85, fn.cpu_share_typical)


def cpu_starved(fn: LambdaInputs, ctx: RuleContext) -> Recommendation | None:
    p95, share = fn.duration_p95_ms, fn.cpu_share
    if p95 is None or share is None or p95 <= ctx.slo.latency_ms * SLOW_SHARE_OF_SLO:
        return None
    if share < CPU_BOUND_SHARE or fn.memory_mb >= FULL_VCPU_MB:
        return None
    factor = min(2.0, ctx.max_step.lambda_memory_factor)
    new_mb = min(round_up_memory(fn.memory_mb * factor), round_up_memory(FULL_VCPU_MB))
    baseline = f" (baseline {fn.duration_p95_baseline_ms:.0f} ms)" if fn.duration_p95_baseline_ms else ""
    reason = (
        f"p95 duration is {p95:.0f} ms{baseline}, over half the {ctx.slo.latency_ms:.0f} ms latency SLO, and "
        f"{pct(share)} of it is CPU time: the function is CPU-bound at {fn.memory_mb} MB, and Lambda adds CPU in "
        f"proportion to memory up to one vCPU at {FULL_VCPU_MB} MB."
    )
    return _memory_recommendation(fn, ctx, new_mb, reason, 0.75, share)


def memory_idle(fn: LambdaInputs, ctx: RuleContext) -> Recommendation | None:
    measured = _memory_used(fn)
    if measured is None or measured[0] > IDLE_MEMORY_PCT or fn.memory_mb < 256:
        return None
    util, used = measured
    cpu_share = fn.cpu_share_typical if fn.cpu_share_typical is not None else DEFAULT_CPU_SHARE
    if cpu_share >= CPU_BOUND_SHARE:
        return None  # less memory means less CPU: a CPU-bound function would get slower
    new_mb = max(round_up_memory(used / IDLE_TARGET), round_up_memory(fn.memory_mb / ctx.max_step.lambda_memory_factor))
    slower = cpu_scaled_duration(fn.duration_p95_ms or 0.0, fn.memory_mb, new_mb, cpu_share)
    if new_mb > fn.memory_mb * 0.75 or slower > ctx.slo.lambda_p95_ms * 0.5:
        return None  # not worth a change, or the slower function would eat too much of its duration budget
    reason = (
        f"Peak memory use is {used:.0f} of {fn.memory_mb} MB ({util:.0f} %) over {ctx.window_h:.0f} h and the "
        f"function mostly waits on I/O: {new_mb} MB still leaves peak use at {used / new_mb:.0%}."
    )
    return _memory_recommendation(fn, ctx, new_mb, reason, 0.7, cpu_share)


def memory_rule(fn: LambdaInputs, ctx: RuleContext) -> Recommendation | None:
    """Right-size memory: pressure first (safety), then CPU starvation (speed), then idle memory (cost)."""
    return memory_pressure(fn, ctx) or cpu_starved(fn, ctx) or memory_idle(fn, ctx)


def provisioned_concurrency_rule(fn: LambdaInputs, ctx: RuleContext) -> Recommendation | None:
    share = fn.cold_start_share
    init = fn.init_duration_p95_ms
    if share is None or init is None or share < COLD_START_SHARE or init < COLD_START_MIN_INIT_MS:
        return None
    if not fn.alias or not fn.alias_version or fn.alias_version == "$LATEST":
        ctx.note(
            f"{fn.name}: {pct(share)} cold starts (init p95 {init:.0f} ms) would justify provisioned concurrency, "
            "but it needs an alias on a published version (never $LATEST); configure one first."
        )
        return None
    current = fn.provisioned_units or 0
    warm = fn.concurrency_p90 if fn.concurrency_p90 is not None else fn.concurrency_max
    units = max(1, math.ceil(warm or 1))
    units = min(units, current + ctx.max_step.provisioned_concurrency_units)
    if fn.reserved_concurrency is not None:
        units = min(units, fn.reserved_concurrency)
    if units <= current:
        return None
    tail = init if share >= P95_TAIL_SHARE else init * share / P95_TAIL_SHARE
    cost = provisioned_concurrency_cost(units - current, fn.memory_mb, ctx.pricing)
    return Recommendation(
        kind="lambda_provisioned_concurrency",
        service=ctx.service,
        target=fn.qualified_name,
        current={"units": current},
        proposed={"units": units},
        rationale=(
            f"{fn.cold_starts:,.0f} of {fn.invocations:,.0f} invocations ({share:.1%}) were cold starts with init p95 "
            f"{init:.0f} ms. Typical concurrency (p90 of 5-minute maxima) is {warm or 0:.1f}, so {units} warm "
            f"environments on alias {fn.alias} (version {fn.alias_version}) absorb most of them."
        ),
        impact=Impact(
            p95_ms_delta=round(-tail, 1),
            monthly_cost_delta_usd=round(cost, 2),
            summary=f"cold starts mostly gone: API p95 {-tail:+.0f} ms (init time leaves the tail), {usd(cost)}",
        ),
        confidence=0.75 if share >= P95_TAIL_SHARE else 0.6,
    )
