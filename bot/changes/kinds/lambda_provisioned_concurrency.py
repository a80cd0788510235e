"""Provisioned concurrency: warm environments against cold starts, on an alias or published version (never
$LATEST), within the function's reserved concurrency; 0 units = no configuration. Verified on p95 ``Duration``.
"""

from __future__ import annotations

import math
import time

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.estimates import (
    cold_start_p95,
    covered_share,
    impact_summary,
    init_cost,
    invocation_cost,
    pct,
    per_month,
    provisioned_net_cost,
    usd,
)
from bot.analysis.inputs import ApiInputs, LambdaInputs, ServiceInputs
from bot.analysis.models import Impact, Recommendation, Risk, Values
from bot.analysis.rule_context import PC_MAX_USD_PER_1000_COLD_STARTS, RuleContext
from bot.aws.clients import AwsError
from bot.aws.cloudwatch import MetricQuery
from bot.aws.lambda_ import LambdaGateway
from bot.changes.kinds.base import ChangeKind, ValueProblem, WholeNumber
from bot.changes.kinds.handler import ChangeHandler, InvalidChange, as_int, split_qualified
from bot.changes.kinds.metrics import lambda_duration
from bot.settings import MaxStep, Settings

COLD_START_SHARE = 0.02  # 2 % of invocations pay the init duration
COLD_START_MIN_INIT_MS = 250.0  # shorter inits are not worth keeping capacity warm
P95_TAIL_SHARE = 0.05  # cold starts above 5 % of invocations sit inside the p95
POLL_S = 1.0
TIMEOUT_S = 900.0  # allocation takes minutes on AWS


class ProvisionedValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    units: WholeNumber = Field(ge=1, le=100_000, description="provisioned concurrent executions")


MIN_P95_GAIN = 0.05  # provisioned concurrency must take at least 5 % off the p95 …
MIN_P95_GAIN_MS = 5.0  # … and at least 5 ms
OVER_PROVISIONED = 0.5  # at most half the provisioned units ever used


def _package(fn: LambdaInputs) -> str:
    if fn.code_size_bytes is None:
        return ""
    return f" The deployment package is {fn.code_size_bytes / 1e6:.1f} MB (CodeSize); a smaller one inits faster."


def _recommendation(
    fn: LambdaInputs, ctx: RuleContext, units: int, rationale: str, p95_delta: float | None, cost: float
) -> Recommendation:
    return Recommendation(
        kind=ProvisionedConcurrency.name,
        service=ctx.service,
        target=fn.qualified_name,
        current={"units": fn.provisioned_units or 0},
        proposed={"units": units},
        rationale=rationale,
        impact=Impact(
            p95_ms_delta=None if p95_delta is None else round(p95_delta, 1),
            monthly_cost_delta_usd=round(cost, 2),
            summary=impact_summary(p95_delta, cost, "API"),
        ),
        confidence=0.7,
    )


def _over_provisioned(fn: LambdaInputs, ctx: RuleContext, current: int) -> Recommendation | None:
    """Provisioned units nobody uses: down to the most ever used (no new cold starts), within the step limit."""
    used = fn.concurrency_max
    if used is None or current <= 1 or used > current * OVER_PROVISIONED:
        return None
    units = max(1, math.ceil(used), current - ctx.max_step.provisioned_concurrency_units)
    prices = ctx.lambda_prices(fn.architecture)
    lost = per_month(fn.invocations, ctx.window_h) * (
        covered_share(current, fn.concurrency_5min) - covered_share(units, fn.concurrency_5min)
    )
    saved = provisioned_net_cost(current - units, fn.memory_mb, lost, fn.duration_avg_ms or 0.0, prices)
    rationale = (
        f"{current} provisioned units on alias {fn.alias}, but concurrency peaked at {used:.0f} over the "
        f"{ctx.window} (ConcurrentExecutions, 5-minute maxima). {units} units still cover the busiest 5 minutes, "
        f"so no request that was warm turns cold; the rest are billed every hour for nothing."
    )
    return _recommendation(fn, ctx, units, rationale, 0.0, -saved)


def _cold_starts_unmeasured(fn: LambdaInputs, ctx: RuleContext) -> None:
    if fn.invocations > 0 and fn.cold_starts is None:
        ctx.note(
            f"{fn.name}: provisioned concurrency not assessed — cold starts and init duration are not measured "
            "(Lambda Insights is off)."
        )


def provisioned_concurrency_rule(  # noqa: PLR0911 — each early return is a reason to stay silent
    fn: LambdaInputs, api: ApiInputs | None, ctx: RuleContext, daily_peak: str | None = None
) -> Recommendation | None:
    current = fn.provisioned_units or 0
    if current and (down := _over_provisioned(fn, ctx, current)) is not None:
        return down
    if daily_peak is not None:  # warm environments around the recurring peak only: the scheduled kind's rule
        return None
    share, init = fn.cold_start_share, fn.init_duration_p95_ms
    if share is None or init is None:
        _cold_starts_unmeasured(fn, ctx)
        return None
    if share < COLD_START_SHARE or init < COLD_START_MIN_INIT_MS:
        return None
    if not fn.alias or not fn.alias_version or fn.alias_version == "$LATEST":
        ctx.note(
            f"{fn.name}: {pct(share)} cold starts (init p95 {init:.0f} ms) would justify provisioned concurrency, "
            "but it needs an alias on a published version (never $LATEST); configure one first."
        )
        return None
    warm = fn.concurrency_busy_p90 if fn.concurrency_busy_p90 is not None else fn.concurrency_max
    if warm is None:
        return None
    units = min(max(1, math.ceil(warm)), current + ctx.max_step.provisioned_concurrency_units, fn.concurrency_limit)
    if units <= current:
        return None
    prices = ctx.lambda_prices(fn.architecture)
    cover_now, cover_new = covered_share(current, fn.concurrency_5min), covered_share(units, fn.concurrency_5min)
    remaining = (1 - cover_new) / (1 - cover_now) if cover_now < 1 else 1.0
    invocations_month = per_month(fn.invocations, ctx.window_h)
    removed = per_month(fn.cold_starts or 0.0, ctx.window_h) * (1 - remaining)
    init_avg = fn.init_duration_avg_ms if fn.init_duration_avg_ms is not None else init
    cost = provisioned_net_cost(
        units - current, fn.memory_mb, invocations_month * (cover_new - cover_now), fn.duration_avg_ms or 0.0, prices
    ) - init_cost(removed, init_avg, fn.memory_mb, prices)
    p95, p50 = (api.latency_p95_baseline_ms, api.latency_p50_ms) if api is not None else (None, None)
    delta = None if p95 is None or p50 is None else cold_start_p95(p50, p95, share, init, remaining) - p95
    per_thousand = cost / removed * 1000 if removed > 0 else math.inf
    gain_needed = max(MIN_P95_GAIN_MS, MIN_P95_GAIN * (p95 or 0.0))
    bill = invocations_month * invocation_cost(fn.memory_mb, fn.duration_avg_ms or 0.0, prices)
    too_dear = per_thousand > PC_MAX_USD_PER_1000_COLD_STARTS or cost > bill
    if delta is None or -delta < gain_needed or too_dear:
        gain = "unknown" if delta is None else f"{delta:+.0f} ms"
        ctx.note(
            f"{fn.name}: provisioned concurrency would not pay — {units} units cost {usd(cost)} net to remove "
            f"{removed:,.0f} cold starts a month (${per_thousand:,.2f} per 1,000; the function's own bill is "
            f"{usd(bill)}) for an API p95 change of {gain}."
        )
        return None
    rationale = (
        f"Over the {ctx.window}, {fn.cold_starts:,.0f} of {fn.invocations:,.0f} invocations ({share:.1%}) were cold "
        f"starts with init p95 {init:.0f} ms (Lambda Insights). In busy hours concurrency was {warm:.1f} (p90 of "
        f"5-minute ConcurrentExecutions maxima), so {units} warm environments on alias {fn.alias} (version "
        f"{fn.alias_version}) would have served {pct(cover_new)} of the load and removed about {removed:,.0f} cold "
        f"starts a month at ${per_thousand:,.2f} per 1,000. Net bill: the warm units' hourly charge, minus the "
        f"invocations they serve at the lower provisioned duration rate and the billed INIT time of the cold starts "
        f"they remove ({fn.architecture} prices)."
    ) + _package(fn)
    return _recommendation(fn, ctx, units, rationale, delta, cost)


class ProvisionedConcurrencyHandler(ChangeHandler):
    """PutProvisionedConcurrencyConfig (DeleteProvisionedConcurrencyConfig for 0 units), then status READY."""

    def __init__(self, gateway: LambdaGateway | None = None) -> None:
        self._lambda = gateway or LambdaGateway()

    def read_current(self, target: str) -> Values:
        name, qualifier = self._split(target)
        return {"units": self._lambda.get_provisioned_concurrency(name, qualifier) or 0}

    def validate(self, target: str, after: Values) -> None:
        name, _ = self._split(target)
        units = as_int(after, "units", low=0)
        reserved = self._lambda.get_function_concurrency(name)
        if reserved is not None and units > reserved:
            raise InvalidChange(f"{units} provisioned units exceed {name}'s reserved concurrency of {reserved}")

    def apply(self, target: str, after: Values) -> list[str]:
        name, qualifier = self._split(target)
        units = as_int(after, "units", low=0)
        if units == 0:
            return [self._lambda.delete_provisioned_concurrency(name, qualifier)]
        return [self._lambda.put_provisioned_concurrency(name, qualifier, units)]

    def wait_until_done(self, target: str) -> None:
        name, qualifier = self._split(target)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            status = self._lambda.provisioned_concurrency_status(name, qualifier)
            if status is None or status[0] == "READY":
                return
            if status[0] == "FAILED":
                raise AwsError(f"provisioned concurrency on {target} failed: {status[1]}", code="FAILED")
            if time.monotonic() > deadline:
                raise AwsError(f"provisioned concurrency on {target} still {status[0]} after {TIMEOUT_S:.0f} s")
            time.sleep(POLL_S)

    @staticmethod
    def _split(target: str) -> tuple[str, str]:
        name, qualifier = split_qualified(target)
        if not qualifier or qualifier.upper() == "$LATEST":
            raise InvalidChange(f"provisioned concurrency needs an alias or published version, not {target!r}")
        return name, qualifier


class ProvisionedConcurrency(ChangeKind[ProvisionedValues]):
    name = "lambda_provisioned_concurrency"
    title = "Provisioned concurrency"
    aliases = ("concurrency", "provisioned")
    target_hint = "'<function>:<alias>' — an alias on a published version, never $LATEST"
    values_model = ProvisionedValues

    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        return {fn.qualified_name: {"units": fn.provisioned_units or 0} for fn in inputs.lambdas if fn.alias}

    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        peak = inputs.usage.daily_peak if inputs.usage is not None else None
        daily = peak.words() if peak is not None and peak.strong else None
        return [
            rec
            for fn in inputs.lambdas
            if (rec := provisioned_concurrency_rule(fn, inputs.api, ctx, daily)) is not None
        ]

    def check_live(self, target: str, proposed: ProvisionedValues, inputs: ServiceInputs) -> None:
        name, qualifier = split_qualified(target)
        fn = next(f for f in inputs.lambdas if f.name == name)
        if not qualifier or qualifier.upper() == "$LATEST" or (fn.alias_version or "$LATEST").upper() == "$LATEST":
            raise ValueProblem("provisioned concurrency needs an alias on a published version, never $LATEST")
        if fn.reserved_concurrency is not None and proposed.units > fn.reserved_concurrency:
            raise ValueProblem(f"{proposed.units} units exceed the reserved concurrency of {fn.reserved_concurrency}")

    def risk(self, current: Values, proposed: Values) -> Risk:
        """Any change is medium: billed every hour, and a decrease brings back cold starts."""
        return "medium"

    def evidence_problem(self, target: str, current: Values, proposed: Values, inputs: ServiceInputs) -> str | None:
        name, _ = split_qualified(target)
        fn = next((f for f in inputs.lambdas if f.name == name), None)
        if fn is None:
            return None
        if int(proposed["units"]) > int(current.get("units") or 0):
            share = fn.cold_start_share
            if share is None or share < COLD_START_SHARE or fn.concurrency_max is None:
                return "no measured cold starts or concurrency justify more provisioned concurrency"
        elif fn.concurrency_max is None:
            return "fewer provisioned units need measured concurrency (ConcurrentExecutions)"
        return None

    def step_problem(self, current: Values, proposed: Values, step: MaxStep) -> str | None:
        if abs(int(proposed.get("units", 0)) - int(current.get("units", 0))) > step.provisioned_concurrency_units:
            return f"provisioned concurrency step exceeds {step.provisioned_concurrency_units} units"
        return None

    def handler(self) -> ChangeHandler:
        return ProvisionedConcurrencyHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        return [lambda_duration(split_qualified(target)[0])]

    def describe(self, values: Values) -> str:
        return f"{values['units']} units" if values["units"] else "none"


KIND = ProvisionedConcurrency()
