"""Scheduled provisioned concurrency: two Application Auto Scaling scheduled actions on the alias — raise the units
shortly before the recurring daily peak (the 14-day usage pattern), lower them after it — instead of paying for warm
environments all day. 0 peak units = no schedule. Verified on p95 ``Duration``.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.analysis.estimates import (
    HOURS_PER_MONTH,
    cold_start_p95,
    covered_share,
    gb,
    impact_summary,
    init_cost,
    invocation_cost,
    pct,
    per_month,
    usd,
)
from bot.analysis.inputs import ApiInputs, LambdaInputs, ServiceInputs
from bot.analysis.models import Impact, Recommendation, Risk, Values
from bot.analysis.rule_context import PC_MAX_USD_PER_1000_COLD_STARTS, RuleContext
from bot.analysis.usage import DailyPeak, UsagePattern
from bot.aws.autoscaling import (
    LAMBDA,
    LAMBDA_PROVISIONED_CONCURRENCY,
    ApplicationAutoScalingGateway,
    ScheduledAction,
    lambda_resource_id,
)
from bot.aws.cloudwatch import MetricQuery
from bot.aws.lambda_ import LambdaGateway
from bot.changes.kinds.base import ChangeKind, ValueProblem, WholeNumber
from bot.changes.kinds.handler import ChangeHandler, InvalidChange, as_int, split_qualified
from bot.changes.kinds.lambda_provisioned_concurrency import COLD_START_MIN_INIT_MS, COLD_START_SHARE
from bot.changes.kinds.metrics import lambda_duration
from bot.settings import MaxStep, Settings

RAISE_ACTION = "perfbot-peak-raise"
LOWER_ACTION = "perfbot-peak-lower"
LEAD_MINUTES = 15  # allocation takes minutes: raise a quarter of an hour before the peak starts
TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
_CRON = re.compile(r"^cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)$")
NONE: Values = {"peak_units": 0, "base_units": 0, "raise_at_utc": "00:00", "lower_at_utc": "00:00"}


class ScheduleValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    peak_units: WholeNumber = Field(ge=0, le=100_000, description="provisioned units during the peak (0: no schedule)")
    base_units: WholeNumber = Field(ge=0, le=100_000, description="provisioned units outside the peak")
    raise_at_utc: str = Field(pattern=TIME, description="HH:MM UTC, every day: units go up to peak_units")
    lower_at_utc: str = Field(pattern=TIME, description="HH:MM UTC, every day: units go down to base_units")

    @model_validator(mode="after")
    def _a_schedule(self) -> ScheduleValues:
        if self.peak_units and self.peak_units <= self.base_units:
            raise ValueError(f"peak_units {self.peak_units} must exceed base_units {self.base_units}")
        if self.peak_units and self.raise_at_utc == self.lower_at_utc:
            raise ValueError("raise_at_utc and lower_at_utc must differ")
        return self


def cron(at: str) -> str:
    """``10:45`` → ``cron(45 10 * * ? *)``: every day at that UTC time (Application Auto Scaling's cron)."""
    hour, minute = at.split(":")
    return f"cron({int(minute)} {int(hour)} * * ? *)"


def _time_of(schedule: str) -> str | None:
    match = _CRON.match(schedule)
    return f"{int(match.group(2)):02d}:{int(match.group(1)):02d}" if match else None


def _hours_on(raise_at: str, lower_at: str) -> float:
    def minutes(at: str) -> int:
        hour, minute = at.split(":")
        return int(hour) * 60 + int(minute)

    return ((minutes(lower_at) - minutes(raise_at)) % (24 * 60)) / 60


# -- the rule ---------------------------------------------------------------------------------------------------


def strong_peak(usage: UsagePattern | None) -> DailyPeak | None:
    peak = usage.daily_peak if usage is not None else None
    return peak if peak is not None and peak.strong else None


def _peak_share(usage: UsagePattern, peak: DailyPeak) -> float:
    """Share of the day's requests that arrive inside the peak window."""
    hours = {(peak.start_hour + k) % 24 for k in range(peak.hours)}
    inside = sum(v or 0.0 for row in usage.grid for h, v in enumerate(row) if h in hours)
    total = sum(v or 0.0 for row in usage.grid for v in row)
    return inside / total if total > 0 else 0.0


def scheduled_concurrency_rule(  # noqa: PLR0911 — each early return is a reason to stay silent
    fn: LambdaInputs, api: ApiInputs | None, usage: UsagePattern | None, ctx: RuleContext
) -> Recommendation | None:
    peak = strong_peak(usage)
    if peak is None or usage is None:
        return None
    share, init = fn.cold_start_share, fn.init_duration_p95_ms
    if share is None or init is None or share < COLD_START_SHARE or init < COLD_START_MIN_INIT_MS:
        return None
    if not fn.alias or not fn.alias_version or fn.alias_version == "$LATEST":
        return None  # the provisioned-concurrency rule says why
    busy = sorted(fn.concurrency_5min)[len(fn.concurrency_5min) // 2 :] if fn.concurrency_5min else []
    warm = fn.concurrency_busy_p90 if fn.concurrency_busy_p90 is not None else fn.concurrency_max
    if warm is None or not busy:
        return None
    current = dict(fn.schedule or NONE)
    if current.get("peak_units"):
        return None  # a schedule is in place: its verification judges it, not a second proposal
    base = fn.provisioned_units or 0
    units = min(max(1, math.ceil(warm)), base + ctx.max_step.provisioned_concurrency_units, fn.concurrency_limit)
    if units <= base:
        return None
    raise_at = f"{(peak.start_hour - 1) % 24:02d}:{60 - LEAD_MINUTES:02d}"
    lower_at = f"{peak.end_hour:02d}:00"
    hours_on = _hours_on(raise_at, lower_at)
    prices = ctx.lambda_prices(fn.architecture)
    in_peak = _peak_share(usage, peak)
    cover_now, cover_new = covered_share(base, busy), covered_share(units, busy)
    remaining_in_peak = (1 - cover_new) / (1 - cover_now) if cover_now < 1 else 1.0
    removed_share = in_peak * (1 - remaining_in_peak)  # of all cold starts, the ones in the peak that turn warm
    invocations_month = per_month(fn.invocations, ctx.window_h)
    removed = per_month(fn.cold_starts or 0.0, ctx.window_h) * removed_share
    warm_cost = (
        (units - base) * gb(fn.memory_mb) * hours_on * 3600 * HOURS_PER_MONTH / 24 * prices.provisioned_gb_second
    )
    served = invocations_month * in_peak * (cover_new - cover_now)
    cheaper = (prices.gb_second - prices.provisioned_duration_gb_second) * gb(fn.memory_mb)
    init_avg = fn.init_duration_avg_ms if fn.init_duration_avg_ms is not None else init
    cost = (
        warm_cost
        - served * (fn.duration_avg_ms or 0.0) / 1000 * cheaper
        - init_cost(removed, init_avg, fn.memory_mb, prices)
    )
    p95, p50 = (api.latency_p95_baseline_ms, api.latency_p50_ms) if api is not None else (None, None)
    delta = None if p95 is None or p50 is None else cold_start_p95(p50, p95, share, init, 1 - removed_share) - p95
    per_thousand = cost / removed * 1000 if removed > 0 else math.inf
    bill = invocations_month * invocation_cost(fn.memory_mb, fn.duration_avg_ms or 0.0, prices)
    if delta is None or delta >= 0 or per_thousand > PC_MAX_USD_PER_1000_COLD_STARTS or cost > bill:
        ctx.note(
            f"{fn.name}: scheduled provisioned concurrency for the daily peak {peak.words()} would not pay — "
            f"{units} units for {hours_on:g} h a day cost {usd(cost)} net to remove {removed:,.0f} cold starts a month."
        )
        return None
    rationale = (
        f"Over the last {usage.days} days ({usage.metric}, hourly), traffic peaks every day {peak.words()}: those "
        f"hours are busy on {pct(peak.recurrence)} of the days and carry {peak.ratio:.1f}× the requests per hour of "
        f"the rest ({pct(in_peak)} of the day's traffic). Over the {ctx.window}, {share:.1%} of invocations were cold "
        f"starts with init p95 {init:.0f} ms (Lambda Insights) and busy-hour concurrency was {warm:.1f}. Raising "
        f"provisioned concurrency on alias {fn.alias} to {units} at {raise_at} UTC and back to {base} at {lower_at} "
        f"UTC ({hours_on:g} h a day) removes about {removed:,.0f} cold starts a month at ${per_thousand:,.2f} per "
        f"1,000, for a fraction of the price of keeping them warm all day ({fn.architecture} prices)."
    )
    return Recommendation(
        kind=ScheduledProvisionedConcurrency.name,
        service=ctx.service,
        target=fn.qualified_name,
        current=current,
        proposed={"peak_units": units, "base_units": base, "raise_at_utc": raise_at, "lower_at_utc": lower_at},
        rationale=rationale,
        impact=Impact(
            p95_ms_delta=round(delta, 1),
            monthly_cost_delta_usd=round(cost, 2),
            summary=impact_summary(delta, cost, "API"),
        ),
        confidence=0.7,
    )


# -- apply ------------------------------------------------------------------------------------------------------


class ScheduledConcurrencyHandler(ChangeHandler):
    """RegisterScalableTarget on the alias, then PutScheduledAction twice (raise, lower); 0 peak units deletes both."""

    def __init__(
        self, scaling: ApplicationAutoScalingGateway | None = None, lambda_: LambdaGateway | None = None
    ) -> None:
        self._scaling = scaling or ApplicationAutoScalingGateway()
        self._lambda = lambda_ or LambdaGateway()

    def read_current(self, target: str) -> Values:
        actions = {
            a.name: a
            for a in self._scaling.scheduled_actions(LAMBDA, self._resource(target), LAMBDA_PROVISIONED_CONCURRENCY)
        }
        up, down = actions.get(RAISE_ACTION), actions.get(LOWER_ACTION)
        if up is None or down is None:
            return dict(NONE)
        return {
            "peak_units": up.min_capacity or 0,
            "base_units": down.max_capacity or 0,
            "raise_at_utc": _time_of(up.schedule) or up.schedule,
            "lower_at_utc": _time_of(down.schedule) or down.schedule,
        }

    def validate(self, target: str, after: Values) -> None:
        name, alias = self._split(target)
        peak = as_int(after, "peak_units", low=0)
        base = as_int(after, "base_units", low=0)
        if peak and peak <= base:
            raise InvalidChange(f"peak_units {peak} must exceed base_units {base}")
        for key in ("raise_at_utc", "lower_at_utc"):
            if not re.match(TIME, str(after.get(key, ""))):
                raise InvalidChange(f"{key} must be HH:MM (UTC), got {after.get(key)!r}")
        alias_info = self._lambda.get_alias(name, alias)
        if alias_info is None:
            raise InvalidChange(f"{name} has no alias {alias!r}")
        if str(alias_info.get("FunctionVersion", "$LATEST")).upper() == "$LATEST":
            raise InvalidChange(f"alias {alias} points at $LATEST, which cannot have provisioned concurrency")
        reserved = self._lambda.get_function_concurrency(name)
        if reserved is not None and peak > reserved:
            raise InvalidChange(f"{peak} provisioned units exceed {name}'s reserved concurrency of {reserved}")

    def apply(self, target: str, after: Values) -> list[str]:
        resource = self._resource(target)
        peak, base = as_int(after, "peak_units", low=0), as_int(after, "base_units", low=0)
        if peak == 0:
            deleted = [
                self._scaling.delete_scheduled_action(LAMBDA, resource, LAMBDA_PROVISIONED_CONCURRENCY, action)
                for action in (RAISE_ACTION, LOWER_ACTION)
            ]
            return [request for request in deleted if request]
        dimension = LAMBDA_PROVISIONED_CONCURRENCY
        return [
            self._scaling.register_scalable_target(LAMBDA, resource, dimension, base, peak),
            self._scaling.put_scheduled_action(
                LAMBDA, resource, dimension, ScheduledAction(RAISE_ACTION, cron(str(after["raise_at_utc"])), peak, peak)
            ),
            self._scaling.put_scheduled_action(
                LAMBDA, resource, dimension, ScheduledAction(LOWER_ACTION, cron(str(after["lower_at_utc"])), base, base)
            ),
        ]

    def wait_until_done(self, target: str) -> None:
        """Scheduled actions take effect at their times; registering them is synchronous."""

    def _resource(self, target: str) -> str:
        return lambda_resource_id(*self._split(target))

    @staticmethod
    def _split(target: str) -> tuple[str, str]:
        name, qualifier = split_qualified(target)
        if not qualifier or qualifier.upper() == "$LATEST":
            raise InvalidChange(f"scheduled provisioned concurrency needs an alias, not {target!r}")
        return name, qualifier


# -- the kind ---------------------------------------------------------------------------------------------------


class ScheduledProvisionedConcurrency(ChangeKind[ScheduleValues]):
    name = "scheduled_provisioned_concurrency"
    title = "Scheduled provisioned concurrency"
    aliases = ("scheduled", "schedule", "predictive")
    target_hint = "'<function>:<alias>' — an alias on a published version, never $LATEST"
    values_model = ScheduleValues

    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        return {fn.qualified_name: dict(fn.schedule or NONE) for fn in inputs.lambdas if fn.alias}

    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        return [
            rec
            for fn in inputs.lambdas
            if (rec := scheduled_concurrency_rule(fn, inputs.api, inputs.usage, ctx)) is not None
        ]

    def check_live(self, target: str, proposed: ScheduleValues, inputs: ServiceInputs) -> None:
        name, qualifier = split_qualified(target)
        fn = next(f for f in inputs.lambdas if f.name == name)
        if not qualifier or qualifier.upper() == "$LATEST" or (fn.alias_version or "$LATEST").upper() == "$LATEST":
            raise ValueProblem("provisioned concurrency needs an alias on a published version, never $LATEST")
        if fn.reserved_concurrency is not None and proposed.peak_units > fn.reserved_concurrency:
            raise ValueProblem(
                f"{proposed.peak_units} units exceed the reserved concurrency of {fn.reserved_concurrency}"
            )

    def risk(self, current: Values, proposed: Values) -> Risk:
        """Medium either way: billed by the hour, and removing the schedule brings cold starts back at the peak."""
        return "medium"

    def evidence_problem(self, target: str, current: Values, proposed: Values, inputs: ServiceInputs) -> str | None:
        if int(proposed.get("peak_units") or 0) <= int(current.get("peak_units") or 0):
            return None
        if strong_peak(inputs.usage) is None:
            return "no recurring daily peak in the 14-day usage pattern justifies a schedule"
        name, _ = split_qualified(target)
        fn = next((f for f in inputs.lambdas if f.name == name), None)
        if fn is not None and (fn.cold_start_share is None or fn.cold_start_share < COLD_START_SHARE):
            return "no measured cold starts justify provisioned concurrency at the peak"
        return None

    def step_problem(self, current: Values, proposed: Values, step: MaxStep) -> str | None:
        if int(proposed.get("peak_units", 0)) - int(proposed.get("base_units", 0)) > step.provisioned_concurrency_units:
            return f"scheduled provisioned concurrency step exceeds {step.provisioned_concurrency_units} units"
        return None

    def handler(self) -> ChangeHandler:
        return ScheduledConcurrencyHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        return [lambda_duration(split_qualified(target)[0])]

    def describe(self, values: Values) -> str:
        if not values.get("peak_units"):
            return "no schedule"
        return (
            f"{values['peak_units']} units {values.get('raise_at_utc')}–{values.get('lower_at_utc')} UTC, "
            f"{values.get('base_units')} otherwise"
        )


KIND = ScheduledProvisionedConcurrency()
