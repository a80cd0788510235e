"""DynamoDB provisioned capacity: the guide's > 80 % → × 1.5 for hot tables, right-sizing for idle ones; at least
1 unit, at most 27 decreases a day. UpdateTable, then wait for ACTIVE; with auto-scaling, its range moves too.
Verified on the table's average ``SuccessfulRequestLatency`` (DynamoDB vends no percentiles of it).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.estimates import dynamodb_capacity_cost, pct, per_month, usd
from bot.analysis.hot_keys import hot_keys_words
from bot.analysis.inputs import LambdaInputs, ServiceInputs, TableInputs
from bot.analysis.models import Impact, Recommendation, Risk, Values
from bot.analysis.prices import lambda_prices
from bot.analysis.rule_context import RuleContext
from bot.aws.cloudwatch import MetricQuery
from bot.aws.dynamodb_admin import DynamoDbAdmin
from bot.changes.kinds.base import ChangeKind, ValueProblem, WholeNumber, step_beyond
from bot.changes.kinds.handler import ChangeHandler, InvalidChange, as_int
from bot.changes.kinds.metrics import PERIOD_S
from bot.settings import MaxStep, Settings

TABLE_UNITS = (1, 40000)  # the default per-table quota
MAX_DECREASES_PER_DAY = 27
HOT = 0.8  # the guide's utilisation threshold
GROWTH = 1.5  # the guide's factor
IDLE = 0.2  # below 20 % peak utilisation the table pays for five times what it uses
HOT_KEY_UTILIZATION = 0.5  # throttles while peak use stays below half the capacity: one partition key is hot
DIMENSIONS = {"read_units": "dynamodb:table:ReadCapacityUnits", "write_units": "dynamodb:table:WriteCapacityUnits"}


class CapacityValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    read_units: WholeNumber = Field(ge=TABLE_UNITS[0], le=TABLE_UNITS[1], description="provisioned read capacity")
    write_units: WholeNumber = Field(ge=TABLE_UNITS[0], le=TABLE_UNITS[1], description="provisioned write capacity")


# -- rules ----------------------------------------------------------------------------------------------------


def _size(units: int, peak: float | None, throttles: float, factor: float) -> tuple[int, str]:
    """New units for one dimension and the sentence that explains them (units unchanged: empty sentence)."""
    if peak is None or units <= 0:
        return units, ""
    utilization = peak / units
    if utilization > HOT or throttles > 0:
        wanted = max(math.ceil(peak * GROWTH), units + 1)
        new = min(wanted, math.floor(units * factor))
        why = f"peak {peak:.1f} of {units} units/s ({pct(utilization)})"
        if throttles:
            why += f", {throttles:,.0f} throttled requests"
        return new, why
    if utilization < IDLE:
        new = max(1, math.ceil(peak * GROWTH), math.ceil(units / factor))
        if new > units * 0.75:
            return units, ""
        return new, f"peak {peak:.1f} of {units} units/s ({pct(utilization)})"
    return units, ""


def hot_partition(table: TableInputs, ctx: RuleContext) -> bool:
    """Throttles while the table as a whole uses little of its capacity: a hot partition key, which more capacity
    does not fix (each partition has its own ceiling). Said as a note; no capacity change is proposed."""
    for label, throttles, peak, units in (
        ("reads", table.read_throttles, table.consumed_read_peak, table.read_units),
        ("writes", table.write_throttles, table.consumed_write_peak, table.write_units),
    ):
        if throttles <= 0 or peak is None:
            continue
        if table.provisioned and units > 0 and peak / units >= HOT_KEY_UTILIZATION:
            continue
        use = (
            f"peak use {peak:.1f} of {units} units/s" if table.provisioned else f"peak use {peak:.1f} units/s on-demand"
        )
        ctx.note(
            f"{table.name}: {throttles:,.0f} throttled {label} over the {ctx.window} while {use} — a hot partition "
            "key, not a capacity shortage; more capacity would not help, so none is proposed. Spread the key (write "
            f"sharding) or cache it. {hot_keys_words(table)}"
        )
        return True
    return False


RETRY_ROUND_TRIPS = 2  # a throttled request is retried by the SDK: backoff plus another call, billed Lambda time


def _retry_cost(throttled_month: float, table: TableInputs, functions: list[LambdaInputs]) -> float:
    """Lambda time spent retrying throttled requests (about two more round trips each), at each function's price."""
    wait_ms = RETRY_ROUND_TRIPS * (table.latency_avg_typical_ms or 0.0)
    return sum(
        throttled_month * wait_ms / 1000 * fn.memory_mb / 1024 * lambda_prices("", fn.architecture).gb_second
        for fn in functions[:1]
    )


def capacity_rule(
    table: TableInputs, ctx: RuleContext, functions: list[LambdaInputs] | None = None
) -> Recommendation | None:
    functions = functions or []
    if hot_partition(table, ctx) or not table.provisioned:
        return None
    factor = ctx.max_step.dynamodb_capacity_factor
    reads, read_why = _size(table.read_units, table.consumed_read_peak, table.read_throttles, factor)
    writes, write_why = _size(table.write_units, table.consumed_write_peak, table.write_throttles, factor)
    if (reads, writes) == (table.read_units, table.write_units):
        return None
    decreasing = reads < table.read_units or writes < table.write_units
    if decreasing and table.decreases_today >= MAX_DECREASES_PER_DAY:
        ctx.note(f"{table.name}: over-provisioned, but today's {MAX_DECREASES_PER_DAY} capacity decreases are used up.")
        return None
    parts = []
    if read_why:
        parts.append(f"reads {table.read_units} → {reads} ({read_why})")
    if write_why:
        parts.append(f"writes {table.write_units} → {writes} ({write_why})")
    cost = dynamodb_capacity_cost(reads, writes, ctx.pricing) - dynamodb_capacity_cost(
        table.read_units, table.write_units, ctx.pricing
    )
    throttled = table.read_throttles + table.write_throttles
    if throttled and reads >= table.read_units and writes >= table.write_units:
        cost -= _retry_cost(per_month(throttled, ctx.window_h), table, functions)
    rule = (
        f"Sized at {GROWTH}× the peak 5-minute consumption; above {pct(HOT)} utilisation or any throttling the "
        f"table grows, below {pct(IDLE)} it shrinks."
    )
    return Recommendation(
        kind=DynamoDbCapacity.name,
        service=ctx.service,
        target=table.name,
        current={"read_units": table.read_units, "write_units": table.write_units},
        proposed={"read_units": reads, "write_units": writes},
        rationale=f"{table.name}, over the {ctx.window}: {'; '.join(parts)}. {rule}",
        impact=Impact(
            p95_ms_delta=None,
            monthly_cost_delta_usd=round(cost, 2),
            summary=(f"no more throttling ({throttled:,.0f} throttled requests), " if throttled else "")
            + f"{usd(cost)} (net bill change)",
        ),
        confidence=0.8 if not decreasing else 0.7,
    )


# -- apply ----------------------------------------------------------------------------------------------------


class DynamoDbCapacityHandler(ChangeHandler):
    """UpdateTable(ProvisionedThroughput) then wait for ACTIVE; with auto-scaling, its range moves too."""

    def __init__(self, admin: DynamoDbAdmin | None = None) -> None:
        self._admin = admin or DynamoDbAdmin()

    def read_current(self, target: str) -> Values:
        capacity = self._admin.describe_capacity(target)
        return {"read_units": capacity.read_units, "write_units": capacity.write_units}

    def validate(self, target: str, after: Values) -> None:
        capacity = self._admin.describe_capacity(target)
        if capacity.billing_mode != "PROVISIONED":
            raise InvalidChange(f"{target} is on-demand ({capacity.billing_mode}); it has no capacity to change")
        read = as_int(after, "read_units", low=1)
        write = as_int(after, "write_units", low=1)
        decreasing = read < capacity.read_units or write < capacity.write_units
        if decreasing and capacity.decreases_today >= MAX_DECREASES_PER_DAY:
            raise InvalidChange(f"{target} already had {MAX_DECREASES_PER_DAY} capacity decreases today")

    def apply(self, target: str, after: Values) -> list[str]:
        read, write = as_int(after, "read_units", low=1), as_int(after, "write_units", low=1)
        request_ids = []
        for key, units in (("read_units", read), ("write_units", write)):
            scaling = self._admin.scalable_target(target, DIMENSIONS[key])
            if scaling is not None:  # otherwise auto-scaling would undo the change at its next evaluation
                high = max(int(scaling.get("MaxCapacity", units)), units)
                request_ids.append(self._admin.set_scalable_range(target, DIMENSIONS[key], units, high))
        current = self.read_current(target)
        if current != {"read_units": read, "write_units": write}:
            request_ids.append(self._admin.update_provisioned_throughput(target, read, write))
        return request_ids

    def wait_until_done(self, target: str) -> None:
        self._admin.wait_active(target)


# -- the kind -------------------------------------------------------------------------------------------------


class DynamoDbCapacity(ChangeKind[CapacityValues]):
    name = "dynamodb_capacity"
    title = "DynamoDB capacity"
    aliases = ("capacity", "dynamodb")
    target_hint = "table name"
    values_model = CapacityValues

    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        return {
            table.name: {"read_units": table.read_units, "write_units": table.write_units}
            for table in inputs.tables
            if table.provisioned
        }

    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        return [rec for table in inputs.tables if (rec := capacity_rule(table, ctx, inputs.lambdas)) is not None]

    def check_live(self, target: str, proposed: CapacityValues, inputs: ServiceInputs) -> None:
        table = next(t for t in inputs.tables if t.name == target)
        decreasing = proposed.read_units < table.read_units or proposed.write_units < table.write_units
        if decreasing and table.decreases_today >= MAX_DECREASES_PER_DAY:
            raise ValueProblem(f"{table.name} already had {table.decreases_today} capacity decreases today")

    def risk(self, current: Values, proposed: Values) -> Risk:
        """Increases only: low; any decrease (throttling risk): high."""
        lower = any(int(proposed[k]) < int(current.get(k) or 0) for k in ("read_units", "write_units"))
        return "high" if lower else "low"

    def evidence_problem(self, target: str, current: Values, proposed: Values, inputs: ServiceInputs) -> str | None:
        table = next((t for t in inputs.tables if t.name == target), None)
        if table is None:
            return None
        for key, peak, throttles in (
            ("read_units", table.consumed_read_peak, table.read_throttles),
            ("write_units", table.consumed_write_peak, table.write_throttles),
        ):
            units = int(current.get(key) or 0)
            if peak is None:
                return "capacity changes need measured consumed capacity"
            if int(proposed[key]) > units and throttles <= 0 and peak <= units * HOT:
                return f"{key}: peak use {peak:.1f} of {units} without throttling does not need more capacity"
            if int(proposed[key]) > units and throttles > 0 and units and peak < units * HOT_KEY_UTILIZATION:
                return f"{key}: throttles at low overall use are a hot partition key; more capacity does not help"
        return None

    def step_problem(self, current: Values, proposed: Values, step: MaxStep) -> str | None:
        return step_beyond(current, proposed, ("read_units", "write_units"), step.dynamodb_capacity_factor)

    def handler(self) -> ChangeHandler:
        return DynamoDbCapacityHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        """One series per configured operation: DynamoDB publishes latency per table AND operation."""
        configured = settings.service(service)
        table = next((t for t in configured.dynamodb_tables if t.name == target), None) if configured else None
        operations = (table.latency_operations if table else []) or [""]
        return [
            MetricQuery(
                id=f"m{i}",
                namespace="AWS/DynamoDB",
                metric="SuccessfulRequestLatency",
                dimensions=(("TableName", target), *((("Operation", op),) if op else ())),
                stat="Average",  # DynamoDB vends no percentiles of SuccessfulRequestLatency
                period=PERIOD_S,
            )
            for i, op in enumerate(operations)
        ]

    def describe(self, values: Values) -> str:
        return f"{values['read_units']} RCU / {values.get('write_units')} WCU"


KIND = DynamoDbCapacity()
