"""Lambda memory: right-size it for pressure, CPU starvation or idle memory; UpdateFunctionConfiguration(MemorySize).

Lambda's documented range is 128–10,240 MB (botocore itself accepts more). Memory belongs to the function, not to
an alias. Verified on the function's p95 ``Duration``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.estimates import (
    FULL_VCPU_MB,
    cpu_scaled_duration,
    impact_summary,
    lambda_compute_cost,
    pct,
    per_month,
    round_up_memory,
)
from bot.analysis.inputs import LambdaInputs, ServiceInputs
from bot.analysis.models import Impact, Recommendation, Risk, Values
from bot.analysis.rule_context import RuleContext
from bot.aws.cloudwatch import MetricQuery
from bot.aws.lambda_ import LambdaGateway
from bot.changes.kinds.base import ChangeKind, WholeNumber, beyond
from bot.changes.kinds.handler import ChangeHandler, as_int, split_qualified
from bot.changes.kinds.metrics import lambda_duration
from bot.settings import MaxStep, Settings

MIN_MB, MAX_MB = 128, 10_240
MEMORY_PRESSURE_PCT = 85.0  # above this peak use, out-of-memory kills and GC pauses are near
MEMORY_HEADROOM = 0.7  # size so that peak use lands at 70 %
IDLE_MEMORY_PCT = 30.0  # below this peak use the function pays for memory it never touches
IDLE_TARGET = 0.6  # size down so that peak use lands at 60 %
CPU_BOUND_SHARE = 0.5
SLOW_SHARE_OF_SLO = 0.5  # the function alone uses half of the end-to-end latency SLO


class MemoryValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    memory_mb: WholeNumber = Field(ge=MIN_MB, le=MAX_MB, description="the function's memory, MB")


# -- rules ----------------------------------------------------------------------------------------------------


def _memory_utilization(fn: LambdaInputs) -> float | None:
    if fn.memory_utilization_max_pct is not None:
        return fn.memory_utilization_max_pct
    if fn.memory_used_max_mb is not None and fn.memory_mb:
        return fn.memory_used_max_mb / fn.memory_mb * 100
    return None


def _memory_recommendation(
    fn: LambdaInputs, ctx: RuleContext, new_mb: int, reason: str, confidence: float, cpu_share: float
) -> Recommendation:
    prices = ctx.lambda_prices(fn.architecture)
    invocations_month = per_month(fn.invocations, ctx.window_h)
    avg = fn.duration_avg_ms or 0.0
    new_avg = cpu_scaled_duration(avg, fn.memory_mb, new_mb, cpu_share)
    cost = lambda_compute_cost(new_mb, new_avg, invocations_month, prices) - lambda_compute_cost(
        fn.memory_mb, avg, invocations_month, prices
    )
    p95 = fn.duration_p95_baseline_ms
    delta = None if p95 is None else cpu_scaled_duration(p95, fn.memory_mb, new_mb, cpu_share) - p95
    model = (
        f"CPU share {pct(cpu_share)} measured by Lambda Insights cpu_total_time over the {ctx.window}; "
        f"{fn.invocations:,.0f} invocations at {fn.architecture} prices"
    )
    return Recommendation(
        kind=LambdaMemory.name,
        service=ctx.service,
        target=fn.name,
        current={"memory_mb": fn.memory_mb},
        proposed={"memory_mb": new_mb},
        rationale=f"{reason} Estimate: only the CPU part of the duration scales with memory ({model}).",
        impact=Impact(
            p95_ms_delta=None if delta is None else round(delta, 1),
            monthly_cost_delta_usd=round(cost, 2),
            summary=impact_summary(delta, cost, "Lambda"),
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
        f"Peak memory use over the {ctx.window} is {used:.0f} of {fn.memory_mb} MB ({util:.0f} %, above "
        f"{MEMORY_PRESSURE_PCT:.0f} %, Lambda Insights): out-of-memory kills and GC pauses are close. {new_mb} MB "
        f"puts peak use at {used / new_mb:.0%}."
    )
    share = fn.cpu_share if fn.cpu_share is not None else 0.0  # unmeasured CPU: no speed-up claimed
    return _memory_recommendation(fn, ctx, new_mb, reason, 0.85, share)


def cpu_starved(fn: LambdaInputs, ctx: RuleContext) -> Recommendation | None:
    p95, share = fn.duration_p95_baseline_ms, fn.cpu_share
    if p95 is None or share is None or p95 <= ctx.slo.latency_ms * SLOW_SHARE_OF_SLO:
        return None
    if share < CPU_BOUND_SHARE or fn.memory_mb >= FULL_VCPU_MB:
        return None
    factor = min(2.0, ctx.max_step.lambda_memory_factor)
    new_mb = min(round_up_memory(fn.memory_mb * factor), round_up_memory(FULL_VCPU_MB))
    reason = (
        f"p95 duration is {p95:.0f} ms (median hourly p95 over the {ctx.window}), over half the "
        f"{ctx.slo.latency_ms:.0f} ms latency SLO, and Lambda Insights measures {pct(share)} of the duration as CPU "
        f"time: the function is CPU-bound at {fn.memory_mb} MB, and Lambda adds CPU in proportion to memory up to "
        f"one vCPU at {FULL_VCPU_MB} MB."
    )
    return _memory_recommendation(fn, ctx, new_mb, reason, 0.75, share)


def memory_idle(fn: LambdaInputs, ctx: RuleContext) -> Recommendation | None:
    measured = _memory_used(fn)
    if measured is None or measured[0] > IDLE_MEMORY_PCT or fn.memory_mb < 256:
        return None
    util, used = measured
    cpu_share = fn.cpu_share
    if cpu_share is None:
        ctx.note(
            f"{fn.name}: peak memory use is {util:.0f} % of {fn.memory_mb} MB, but less memory also means less CPU "
            "and Lambda Insights measured no CPU time (cpu_total_time), so memory is not lowered."
        )
        return None
    if cpu_share >= CPU_BOUND_SHARE:
        return None  # less memory means less CPU: a CPU-bound function would get slower
    new_mb = max(round_up_memory(used / IDLE_TARGET), round_up_memory(fn.memory_mb / ctx.max_step.lambda_memory_factor))
    slower = cpu_scaled_duration(fn.duration_p95_baseline_ms or 0.0, fn.memory_mb, new_mb, cpu_share)
    if new_mb > fn.memory_mb * 0.75 or slower > ctx.slo.lambda_p95_ms * 0.5:
        return None  # not worth a change, or the slower function would eat too much of its duration budget
    reason = (
        f"Peak memory use is {used:.0f} of {fn.memory_mb} MB ({util:.0f} %) over the {ctx.window} and Lambda "
        f"Insights measures only {pct(cpu_share)} of the duration as CPU time: {new_mb} MB still leaves peak use at "
        f"{used / new_mb:.0%}."
    )
    return _memory_recommendation(fn, ctx, new_mb, reason, 0.7, cpu_share)


def memory_rule(fn: LambdaInputs, ctx: RuleContext) -> Recommendation | None:
    """Right-size memory on measured evidence only: pressure first (safety), then CPU starvation (speed), then idle
    memory (cost). Without Lambda Insights nothing is measured, the rule stays silent and says so."""
    if not fn.insights:
        if fn.invocations > 0:
            ctx.note(
                f"{fn.name}: memory not assessed — Lambda Insights is off, so neither memory use nor CPU time is "
                "measured (duration alone cannot tell CPU work from waiting on another API)."
            )
        return None
    return memory_pressure(fn, ctx) or cpu_starved(fn, ctx) or memory_idle(fn, ctx)


# -- apply ----------------------------------------------------------------------------------------------------


class LambdaMemoryHandler(ChangeHandler):
    """UpdateFunctionConfiguration(MemorySize), then the function_updated_v2 waiter."""

    def __init__(self, gateway: LambdaGateway | None = None) -> None:
        self._lambda = gateway or LambdaGateway()

    def read_current(self, target: str) -> Values:
        name, _ = split_qualified(target)  # memory belongs to the function, not to an alias
        return {"memory_mb": self._lambda.get_function_configuration(name).memory_mb}

    def validate(self, target: str, after: Values) -> None:
        as_int(after, "memory_mb", low=MIN_MB, high=MAX_MB)

    def apply(self, target: str, after: Values) -> list[str]:
        name, _ = split_qualified(target)
        return [self._lambda.update_memory(name, as_int(after, "memory_mb", low=MIN_MB, high=MAX_MB))]

    def wait_until_done(self, target: str) -> None:
        self._lambda.wait_function_updated(split_qualified(target)[0])


# -- the kind -------------------------------------------------------------------------------------------------


class LambdaMemory(ChangeKind[MemoryValues]):
    name = "lambda_memory"
    title = "Lambda memory"
    aliases = ("memory",)
    target_hint = "function name"
    values_model = MemoryValues

    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        return {fn.name: {"memory_mb": fn.memory_mb} for fn in inputs.lambdas}

    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        return [rec for fn in inputs.lambdas if (rec := memory_rule(fn, ctx)) is not None]

    def risk(self, current: Values, proposed: Values) -> Risk:
        """Up to ×1.5 more: low; a larger increase or a decrease of up to 25 %: medium; more than 25 % less: high."""
        before = float(current.get("memory_mb") or 0)
        ratio = float(proposed["memory_mb"]) / before if before else float("inf")
        return "low" if 1 < ratio <= 1.5 else "high" if ratio < 0.75 else "medium"

    def evidence_problem(self, target: str, current: Values, proposed: Values, inputs: ServiceInputs) -> str | None:
        fn = next((f for f in inputs.lambdas if f.name == target), None)
        if fn is None:
            return None
        up = float(proposed["memory_mb"]) > float(current["memory_mb"])
        util, share = _memory_utilization(fn), fn.cpu_share
        if up and not ((util is not None and util >= MEMORY_PRESSURE_PCT) or (share or 0.0) >= CPU_BOUND_SHARE):
            return "no measured evidence for more memory (Lambda Insights shows neither memory pressure nor CPU-bound)"
        if not up and (util is None or share is None):
            return "less memory needs measured memory use and CPU time (Lambda Insights)"
        return None

    def step_problem(self, current: Values, proposed: Values, step: MaxStep) -> str | None:
        if beyond(current, proposed, "memory_mb", step.lambda_memory_factor):
            mb = f"{current['memory_mb']} → {proposed['memory_mb']} MB"
            return f"memory step {mb} exceeds ×{step.lambda_memory_factor}"
        return None

    def handler(self) -> ChangeHandler:
        return LambdaMemoryHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        return [lambda_duration(split_qualified(target)[0])]

    def describe(self, values: Values) -> str:
        return f"{values['memory_mb']} MB"


KIND = LambdaMemory()
