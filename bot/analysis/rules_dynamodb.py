"""DynamoDB provisioned capacity: the seed's > 80 % → × 1.5 for hot tables, right-sizing for idle ones."""

from __future__ import annotations

import math

from bot.analysis.estimates import dynamodb_capacity_cost, pct, usd
from bot.analysis.inputs import TableInputs
from bot.analysis.models import Impact, Recommendation
from bot.analysis.rule_context import RuleContext
from bot.analysis.validity import MAX_DECREASES_PER_DAY

HOT = 0.8  # the seed's utilisation threshold
GROWTH = 1.5  # the seed's factor
IDLE = 0.2  # below 20 % peak utilisation the table pays for five times what it uses


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


def capacity_rule(table: TableInputs, ctx: RuleContext) -> Recommendation | None:
    if not table.provisioned:
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
    rule = (
        f"Sized at {GROWTH}× the peak 5-minute consumption; above {pct(HOT)} utilisation or any throttling the "
        f"table grows, below {pct(IDLE)} it shrinks."
    )
    return Recommendation(
        kind="dynamodb_capacity",
        service=ctx.service,
        target=table.name,
        current={"read_units": table.read_units, "write_units": table.write_units},
        proposed={"read_units": reads, "write_units": writes},
        rationale=f"{table.name}: {'; '.join(parts)}. {rule}",
        impact=Impact(
            p95_ms_delta=None,
            monthly_cost_delta_usd=round(cost, 2),
            summary=(f"no more throttling ({throttled:,.0f} throttled requests), " if throttled else "") + usd(cost),
        ),
        confidence=0.8 if not decreasing else 0.7,
    )
