"""The simulated truth of a change: the scenario's day again with the change applied (the simulator's physics),
and what the bill and the p95 did — to hold the analysis's estimates against.

The bill is computed from the simulated counts, not from the analysis's aggregates: Lambda requests and
GB-seconds per minute (invocations on provisioned environments at the provisioned duration rate, up to what the
minute's provisioned units cover), provisioned units kept warm, API Gateway requests that were served (throttled
ones are not billed), the cache cluster's hours, DynamoDB capacity hours or on-demand request units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.analysis.estimates import FULL_VCPU_MB, HOURS_PER_MONTH
from bot.analysis.prices import lambda_prices
from bot.settings import Pricing
from devstack.simulator.distribution import Distribution
from devstack.simulator.offline import simulated_minutes
from devstack.simulator.scenarios import Scenario
from devstack.simulator.traffic import MINUTES, Minute

LAYER_ATTRIBUTE = {"API": "latency", "Lambda": "duration"}


def with_change(scenario: Scenario, kind: str, proposed: dict[str, Any]) -> Scenario:
    """The scenario as it would run after the change (CPU work scales with memory below one vCPU)."""
    if kind == "lambda_memory":
        new = int(proposed["memory_mb"])
        factor = min(scenario.memory_mb, FULL_VCPU_MB) / min(new, FULL_VCPU_MB)
        return replace(scenario, memory_mb=new, compute_ms=scenario.compute_ms * factor)
    if kind == "lambda_provisioned_concurrency":
        return replace(scenario, provisioned_concurrency=int(proposed["units"]))
    if kind == "apigw_cache":
        return replace(
            scenario,
            cache_enabled=bool(proposed["enabled"]),
            cache_cluster_size=str(proposed["cluster_size_gb"] or scenario.cache_cluster_size),
            cache_ttl_s=int(proposed["ttl_s"]),
        )
    if kind == "apigw_throttling":
        return replace(
            scenario,
            throttle_rate_limit=float(proposed["rate_limit"]),
            throttle_burst_limit=int(proposed["burst_limit"]),
        )
    if kind == "dynamodb_capacity":
        return replace(
            scenario, provisioned_rcu=int(proposed["read_units"]), provisioned_wcu=int(proposed["write_units"])
        )
    if kind == "breaker_thresholds":
        return replace(
            scenario,
            breaker_failure_threshold=int(proposed["failure_threshold"]),
            breaker_open_timeout_s=float(proposed["open_timeout_s"]),
        )
    raise ValueError(f"no simulated physics for {kind!r}")


def monthly_bill(scenario: Scenario, minutes: list[Minute], pricing: Pricing) -> float:
    """The day's bill for the service's resources, scaled to a 730-hour month."""
    prices = lambda_prices("us-east-1", scenario.architecture)
    gb = scenario.memory_mb / 1024
    pc = scenario.provisioned_concurrency
    day = pc * gb * MINUTES * 60 * prices.provisioned_gb_second
    for m in minutes:
        if not m.invocations or m.duration is None:
            continue
        if m.init_duration is not None:  # the INIT phase of on-demand environments is billed as duration
            day += m.cold_starts * m.init_duration.mean / 1000 * gb * prices.gb_second
        on_pc = m.invocations * (min(1.0, pc / m.peak_concurrency) if pc and m.peak_concurrency else 0.0)
        seconds = m.duration.mean / 1000 * gb
        day += m.invocations * prices.request
        day += seconds * (on_pc * prices.provisioned_duration_gb_second + (m.invocations - on_pc) * prices.gb_second)
    day += sum(m.requests - m.api_throttled for m in minutes) * pricing.apigw_rest_request_per_million / 1e6
    if scenario.cache_enabled:
        day += pricing.apigw_cache_gb_hour.get(scenario.cache_cluster_size, 0.0) * MINUTES / 60
    if scenario.table_on_demand:
        day += sum(m.read_units for m in minutes) * pricing.dynamodb_read_request_per_million / 1e6
        day += sum(m.write_units for m in minutes) * pricing.dynamodb_write_request_per_million / 1e6
    else:
        hourly = (
            scenario.provisioned_rcu * pricing.dynamodb_rcu_hour + scenario.provisioned_wcu * pricing.dynamodb_wcu_hour
        )
        day += hourly * MINUTES / 60
    return day * HOURS_PER_MONTH / (MINUTES / 60)


def window_p95(minutes: list[Minute], layer: str) -> float | None:
    merged = Distribution.merge(getattr(m, LAYER_ATTRIBUTE[layer]) for m in minutes)
    return merged.percentile(95) if merged else None


@dataclass(frozen=True)
class Truth:
    cost_delta: float
    p95_delta: float | None


def simulated_truth(
    scenario: Scenario,
    end: datetime,
    kind: str,
    proposed: dict[str, Any],
    layer: str,
    pricing: Pricing,
    before: list[Minute] | None = None,
) -> Truth:
    """What the change really does to the simulated bill and p95 (the same day, the same random draws)."""
    before = before if before is not None else simulated_minutes(scenario, end)
    changed = with_change(scenario, kind, proposed)
    after = simulated_minutes(replace(changed, name=scenario.name), end)
    p95_before, p95_after = window_p95(before, layer), window_p95(after, layer)
    p95 = None if p95_before is None or p95_after is None else p95_after - p95_before
    return Truth(monthly_bill(changed, after, pricing) - monthly_bill(scenario, before, pricing), p95)
