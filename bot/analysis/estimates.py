"""Impact arithmetic shared by the rules: monthly cost from the configured prices, latency from simple models.

Every estimate is a deliberately simple, stated model (the rationale quotes it) rather than a hidden guess.
"""

from __future__ import annotations

import math

from bot.settings import Pricing

HOURS_PER_MONTH = 730.0
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB; below it CPU scales linearly with memory
MEMORY_STEP_MB = 64
DEFAULT_CPU_SHARE = 0.5  # assumed share of duration that is CPU work when Lambda Insights is off


def per_month(amount: float, window_h: float) -> float:
    """Scale a count observed over ``window_h`` hours to a 730-hour month."""
    return amount * HOURS_PER_MONTH / window_h if window_h > 0 else 0.0


def round_up_memory(mb: float) -> int:
    """The next multiple of 64 MB, within Lambda's 128–10,240 MB."""
    return int(min(10240, max(128, math.ceil(mb / MEMORY_STEP_MB) * MEMORY_STEP_MB)))


def lambda_compute_cost(memory_mb: int, avg_duration_ms: float, invocations_month: float, pricing: Pricing) -> float:
    gb_seconds = memory_mb / 1024 * avg_duration_ms / 1000 * invocations_month
    return gb_seconds * pricing.lambda_gb_second


def cpu_scaled_duration(duration_ms: float, old_mb: int, new_mb: int, cpu_share: float) -> float:
    """Duration after a memory change: only the CPU part scales, and only below one full vCPU."""
    old_cpu = min(old_mb, FULL_VCPU_MB)
    new_cpu = min(new_mb, FULL_VCPU_MB)
    return duration_ms * (1 - cpu_share) + duration_ms * cpu_share * old_cpu / new_cpu


def provisioned_concurrency_cost(units: int, memory_mb: int, pricing: Pricing) -> float:
    return units * memory_mb / 1024 * SECONDS_PER_MONTH * pricing.lambda_provisioned_gb_second


def apigw_cache_cost(size_gb: str, pricing: Pricing) -> float | None:
    hourly = pricing.apigw_cache_gb_hour.get(size_gb)
    return None if hourly is None else hourly * HOURS_PER_MONTH


def dynamodb_capacity_cost(read_units: int, write_units: int, pricing: Pricing) -> float:
    return (read_units * pricing.dynamodb_rcu_hour + write_units * pricing.dynamodb_wcu_hour) * HOURS_PER_MONTH


def pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def usd(value: float) -> str:
    return f"{'-' if value < 0 else '+'}${abs(value):,.2f}/month"
