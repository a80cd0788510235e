"""API Gateway stage throttling: stage-wide rate and burst limits (``/*/*/throttling/…``), positive and within the
account defaults (10,000 rps / 5,000 burst). Raised when peak traffic presses on the limit and clients get 429s.
Verified on the API's p95 ``Latency``.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.estimates import pct, per_month
from bot.analysis.inputs import ApiInputs, ServiceInputs
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
THROTTLE_PRESSURE = 0.8  # peak traffic at 80 % of the configured rate
THROTTLED_4XX_RATE = 0.01  # 429s surface as 4XXError


class ThrottlingValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_limit: Number = Field(ge=1, le=ACCOUNT_RATE_LIMIT, description="steady-state requests per second")
    burst_limit: WholeNumber = Field(ge=1, le=ACCOUNT_BURST_LIMIT, description="burst bucket, requests")


def throttling_rule(api: ApiInputs, ctx: RuleContext) -> Recommendation | None:
    rate, burst, peak = api.throttle_rate, api.throttle_burst, api.peak_rps
    if rate is None or burst is None or peak is None or rate <= 0:
        return None
    if peak < rate * THROTTLE_PRESSURE or api.rate_4xx < THROTTLED_4XX_RATE:
        return None
    factor = ctx.max_step.apigw_throttle_factor
    new_rate = float(min(ACCOUNT_RATE_LIMIT, rate * factor, max(math.ceil(peak * 1.5), rate * 1.25)))
    new_burst = int(min(ACCOUNT_BURST_LIMIT, burst * factor, max(burst, math.ceil(new_rate * burst / rate))))
    if new_rate <= rate:
        return None
    rejected = per_month(api.errors_4xx, ctx.window_h)
    return Recommendation(
        kind=ApiGatewayThrottling.name,
        service=ctx.service,
        target=api.target,
        current={"rate_limit": float(rate), "burst_limit": int(burst)},
        proposed={"rate_limit": new_rate, "burst_limit": new_burst},
        rationale=(
            f"Peak traffic reached {peak:.0f} rps against a stage rate limit of {rate:.0f} rps "
            f"({pct(peak / rate)}), and {pct(api.rate_4xx)} of requests ended in 4XX (throttled requests get 429). "
            f"{new_rate:.0f} rps leaves 50 % headroom over the peak."
        ),
        impact=Impact(
            p95_ms_delta=None,
            monthly_cost_delta_usd=0.0,
            summary=f"fewer of today's {rejected:,.0f} 4XX a month (429s among them); more load reaches Lambda",
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
        rec = throttling_rule(inputs.api, ctx) if inputs.api is not None else None
        return [rec] if rec is not None else []

    def risk(self, current: Values, proposed: Values) -> Risk:
        """Raising the limits: medium; lowering either (real clients may get 429): high."""
        lower = float(proposed["rate_limit"]) < float(current["rate_limit"]) or int(proposed["burst_limit"]) < int(
            current["burst_limit"]
        )
        return "high" if lower else "medium"

    def step_problem(self, current: Values, proposed: Values, step: MaxStep) -> str | None:
        return step_beyond(current, proposed, ("rate_limit", "burst_limit"), step.apigw_throttle_factor)

    def handler(self) -> ChangeHandler:
        return ApiGatewayThrottlingHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        return [api_latency(target.rpartition("/")[0] or service_api(settings, service))]

    def describe(self, values: Values) -> str:
        return f"{plain_number(values['rate_limit'])} rps, burst {values.get('burst_limit')}"


KIND = ApiGatewayThrottling()
