"""API Gateway stage throttling: stage-wide rate and burst limits (``/*/*/throttling/…``), positive and within the
account defaults (10,000 rps / 5,000 burst). Raised when peak traffic presses on the limit and clients get 429s.
Verified on the API's p95 ``Latency``.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.estimates import impact_summary, invocation_cost, pct, per_month
from bot.analysis.inputs import LambdaInputs, ServiceInputs, TableInputs
from bot.analysis.models import Impact, Recommendation, Risk, Values
from bot.analysis.rule_context import RuleContext
from bot.aws.cloudwatch import MetricQuery
from bot.changes.kinds.apigw_stage import StageHandler
from bot.changes.kinds.base import ChangeKind, Number, WholeNumber, plain_number, step_beyond
from bot.changes.kinds.handler import ChangeHandler, InvalidChange, as_int
from bot.changes.kinds.metrics import api_latency, service_api
from bot.settings import MaxStep, Settings

ACCOUNT_RATE_LIMIT = 10000.0  # what applies when the stage sets no limit
ACCOUNT_BURST_LIMIT = 5000
THROTTLED_SHARE = 0.001  # the stage's 429s are at least 0.1 % of requests …
THROTTLED_MIN = 10  # … and more than a handful
BACKEND_HEADROOM = 0.9  # the backend may reach 90 % of its concurrency limit / table capacity at the new rate


class ThrottlingValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_limit: Number = Field(ge=1, le=ACCOUNT_RATE_LIMIT, description="steady-state requests per second")
    burst_limit: WholeNumber = Field(ge=1, le=ACCOUNT_BURST_LIMIT, description="burst bucket, requests")


def _lambda_fit(fn: LambdaInputs, rate: float) -> tuple[float, str]:
    """The highest stage rate the function can take (concurrency grows with traffic), and the evidence."""
    used = fn.concurrency_max or 0.0
    limit = fn.concurrency_limit
    source = "reserved concurrency" if fn.reserved_concurrency is not None else "account concurrency quota"
    if fn.throttles > 0:
        return 0.0, f"{fn.name} itself throttled {fn.throttles:,.0f} invocations at its {source} of {limit}"
    fit = rate * BACKEND_HEADROOM * limit / used if used > 0 else math.inf
    return fit, f"{fn.name} peaked at {used:.0f} of {limit} concurrent executions ({source})"


def _table_fit(table: TableInputs, rate: float) -> tuple[float, str]:
    if table.read_throttles + table.write_throttles > 0:
        throttled = table.read_throttles + table.write_throttles
        return 0.0, f"table {table.name} already throttled {throttled:,.0f} requests"
    utilization = max(table.read_utilization or 0.0, table.write_utilization or 0.0)
    if not table.provisioned or utilization <= 0:
        return math.inf, f"table {table.name} is on-demand" if not table.provisioned else ""
    return rate * BACKEND_HEADROOM / utilization, f"table {table.name} peaked at {pct(utilization)} of its capacity"


def _extra_request_cost(inputs: ServiceInputs, ctx: RuleContext) -> float:
    """What one more served request costs: API Gateway's request price, each function's invocation, and on-demand
    DynamoDB request units at today's units per request."""
    api = inputs.api
    cost = ctx.pricing.apigw_rest_request_per_million / 1e6
    for fn in inputs.lambdas:
        share = fn.invocations / api.requests if api is not None and api.requests > 0 else 1.0
        cost += share * invocation_cost(fn.memory_mb, fn.duration_avg_ms or 0.0, ctx.lambda_prices(fn.architecture))
    for table in inputs.tables:
        if table.provisioned or api is None or api.requests <= 0:
            continue
        seconds = ctx.window_h * 3600
        reads = (table.consumed_read_avg or 0.0) * seconds / api.requests
        writes = (table.consumed_write_avg or 0.0) * seconds / api.requests
        cost += (reads * ctx.pricing.dynamodb_read_request_per_million) / 1e6
        cost += (writes * ctx.pricing.dynamodb_write_request_per_million) / 1e6
    return cost


def throttling_rule(inputs: ServiceInputs, ctx: RuleContext) -> Recommendation | None:
    """Raise the stage limit only when the stage itself throttled (extra 4XX in the minutes at its limit) and the
    backend has measured headroom for the traffic it would let through."""
    api = inputs.api
    if api is None or api.throttle_rate is None or api.throttle_burst is None or api.peak_rps is None:
        return None
    rate, burst, peak = api.throttle_rate, api.throttle_burst, api.peak_rps
    if rate <= 0 or api.stage_throttled < max(THROTTLED_MIN, THROTTLED_SHARE * api.requests):
        return None
    factor = ctx.max_step.apigw_throttle_factor
    new_rate = float(min(ACCOUNT_RATE_LIMIT, rate * factor, max(math.ceil(peak * 1.5), rate * 1.25)))
    fits = [_lambda_fit(fn, rate) for fn in inputs.lambdas] + [_table_fit(t, rate) for t in inputs.tables]
    headroom = min((fit for fit, _ in fits), default=math.inf)
    evidence = "; ".join(why for _, why in fits if why)
    if headroom < new_rate:
        new_rate = float(math.floor(headroom))
    if new_rate < rate * 1.1:
        ctx.note(
            f"{api.target}: the stage throttled about {api.stage_throttled:,.0f} requests over the {ctx.window}, but "
            f"the backend has no headroom for more ({evidence}): a higher limit would turn 429s into 5XXs."
        )
        return None
    new_burst = int(min(ACCOUNT_BURST_LIMIT, burst * factor, max(burst, math.ceil(new_rate * burst / rate))))
    extra = per_month(api.stage_throttled, ctx.window_h)
    cost = extra * _extra_request_cost(inputs, ctx)
    return Recommendation(
        kind=ApiGatewayThrottling.name,
        service=ctx.service,
        target=api.target,
        current={"rate_limit": float(rate), "burst_limit": int(burst)},
        proposed={"rate_limit": new_rate, "burst_limit": new_burst},
        rationale=(
            f"Over the {ctx.window}, traffic reached {peak:.0f} rps against a stage rate limit of {rate:.0f} rps in "
            f"{api.minutes_at_limit} minutes, and those minutes had {api.stage_throttled:,.0f} more 4XX than the "
            f"usual {pct(api.rate_4xx)} — the stage's 429s. Backend headroom: {evidence}. {new_rate:.0f} rps lets "
            f"them through; about {extra:,.0f} more requests a month reach Lambda and are billed."
        ),
        impact=Impact(
            p95_ms_delta=0.0, monthly_cost_delta_usd=round(cost, 2), summary=impact_summary(0.0, cost, "API")
        ),
        confidence=0.7,
    )


class ApiGatewayThrottlingHandler(StageHandler):
    """UpdateStage /*/*/throttling/rateLimit and burstLimit; stage updates take effect synchronously."""

    def read_current(self, target: str) -> Values:
        stage = self._apigw.get_stage(*self._api_id(target))
        return {
            "rate_limit": stage.throttle_rate if stage.throttle_rate is not None else ACCOUNT_RATE_LIMIT,
            "burst_limit": stage.throttle_burst if stage.throttle_burst is not None else ACCOUNT_BURST_LIMIT,
        }

    def validate(self, target: str, after: Values) -> None:
        rate = after.get("rate_limit")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= ACCOUNT_RATE_LIMIT:
            raise InvalidChange(
                f"rate_limit must be a number above 0 and at most {ACCOUNT_RATE_LIMIT:.0f}, got {rate!r}"
            )
        as_int(after, "burst_limit", low=0, high=ACCOUNT_BURST_LIMIT)

    def apply(self, target: str, after: Values) -> list[str]:
        ops = [
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(float(after["rate_limit"]))},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(int(after["burst_limit"]))},
        ]
        return [self._apigw.update_stage(*self._api_id(target), ops)]

    def wait_until_done(self, target: str) -> None:
        """Stage updates take effect synchronously; nothing to wait for."""


class ApiGatewayThrottling(ChangeKind[ThrottlingValues]):
    name = "apigw_throttling"
    title = "API Gateway throttling"
    aliases = ("throttling",)
    target_hint = "'api-name/stage'"
    values_model = ThrottlingValues

    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        api = inputs.api
        if api is None:
            return {}
        return {
            api.target: {
                "rate_limit": float(api.throttle_rate if api.throttle_rate is not None else ACCOUNT_RATE_LIMIT),
                "burst_limit": int(api.throttle_burst if api.throttle_burst is not None else ACCOUNT_BURST_LIMIT),
            }
        }

    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        rec = throttling_rule(inputs, ctx)
        return [rec] if rec is not None else []

    def risk(self, current: Values, proposed: Values) -> Risk:
        """Raising the limits: medium; lowering either (real clients may get 429): high."""
        lower = float(proposed["rate_limit"]) < float(current["rate_limit"]) or int(proposed["burst_limit"]) < int(
            current["burst_limit"]
        )
        return "high" if lower else "medium"

    def evidence_problem(self, target: str, current: Values, proposed: Values, inputs: ServiceInputs) -> str | None:
        api = inputs.api
        if api is None or float(proposed["rate_limit"]) <= float(current["rate_limit"]):
            return None
        if api.stage_throttled < max(THROTTLED_MIN, THROTTLED_SHARE * api.requests):
            return "the stage throttled nothing measurable (no extra 4XX in the minutes at its limit)"
        saturated = [fn.name for fn in inputs.lambdas if fn.throttles > 0]
        if saturated:
            return f"{', '.join(saturated)} already throttles: more traffic would turn 429s into 5XXs"
        return None

    def step_problem(self, current: Values, proposed: Values, step: MaxStep) -> str | None:
        return step_beyond(current, proposed, ("rate_limit", "burst_limit"), step.apigw_throttle_factor)

    def handler(self) -> ChangeHandler:
        return ApiGatewayThrottlingHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        return [api_latency(target.rpartition("/")[0] or service_api(settings, service))]

    def describe(self, values: Values) -> str:
        return f"{plain_number(values['rate_limit'])} rps, burst {values.get('burst_limit')}"


KIND = ApiGatewayThrottling()
