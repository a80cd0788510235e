"""Provisioned concurrency: warm environments against cold starts, on an alias or published version (never
$LATEST), within the function's reserved concurrency; 0 units = no configuration. Verified on p95 ``Duration``.
"""

from __future__ import annotations

import math
import time

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.estimates import pct, provisioned_concurrency_cost, usd
from bot.analysis.inputs import LambdaInputs, ServiceInputs
from bot.analysis.models import Impact, Recommendation, Risk, Values
from bot.analysis.rule_context import RuleContext
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
        kind=ProvisionedConcurrency.name,
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
        return [rec for fn in inputs.lambdas if (rec := provisioned_concurrency_rule(fn, ctx)) is not None]

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
