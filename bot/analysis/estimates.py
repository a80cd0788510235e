"""Impact arithmetic shared by the rules: the net monthly bill change and the expected p95 change of a proposal.

Every estimate is a stated model (the rationale quotes it) over measured traffic and AWS's published prices
(:mod:`bot.analysis.prices` for Lambda per architecture; perfbot.yml's ``pricing`` for the rest):

- a month is 730 hours, and traffic over the analysis window scales linearly to it;
- a latency distribution is a lognormal fitted to its measured p50 and p95, so p95 changes are not linear in the
  share of requests a change affects;
- cold starts add their init duration to the requests that pay them (a mixture of warm and cold requests).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

from bot.analysis.prices import LambdaPrices
from bot.settings import Pricing

HOURS_PER_MONTH = 730.0
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB; below it CPU scales linearly with memory
MEMORY_STEP_MB = 64
Z95 = NormalDist().inv_cdf(0.95)
_NORMAL = NormalDist()


def per_month(amount: float, window_h: float) -> float:
    """Scale a count observed over ``window_h`` hours to a 730-hour month."""
    return amount * HOURS_PER_MONTH / window_h if window_h > 0 else 0.0


def window_words(window_h: float) -> str:
    """The analysis window as a card names it: "last 24 h", "last 7 days"."""
    days = window_h / 24
    return f"last {days:g} days" if window_h >= 48 and days.is_integer() else f"last {window_h:g} h"


def round_up_memory(mb: float) -> int:
    """The next multiple of 64 MB, within Lambda's 128–10,240 MB."""
    return int(min(10240, max(128, math.ceil(mb / MEMORY_STEP_MB) * MEMORY_STEP_MB)))


def gb(memory_mb: float) -> float:
    return memory_mb / 1024


def invocation_cost(memory_mb: int, avg_duration_ms: float, prices: LambdaPrices) -> float:
    """What one on-demand invocation costs: the request plus its GB-seconds."""
    return prices.request + gb(memory_mb) * avg_duration_ms / 1000 * prices.gb_second


def init_cost(cold_starts_month: float, init_avg_ms: float, memory_mb: int, prices: LambdaPrices) -> float:
    """The INIT phase of on-demand environments, billed as duration (Lambda bills it since August 2025)."""
    return cold_starts_month * init_avg_ms / 1000 * gb(memory_mb) * prices.gb_second


def lambda_compute_cost(
    memory_mb: int, avg_duration_ms: float, invocations_month: float, prices: LambdaPrices
) -> float:
    """The duration part of the bill (requests cost the same whatever the memory)."""
    return gb(memory_mb) * avg_duration_ms / 1000 * invocations_month * prices.gb_second


def cpu_scaled_duration(duration_ms: float, old_mb: int, new_mb: int, cpu_share: float) -> float:
    """Duration after a memory change: only the CPU part scales, and only below one full vCPU."""
    old_cpu = min(old_mb, FULL_VCPU_MB)
    new_cpu = min(new_mb, FULL_VCPU_MB)
    return duration_ms * (1 - cpu_share) + duration_ms * cpu_share * old_cpu / new_cpu


def covered_share(units: float, concurrency: Sequence[float]) -> float:
    """Share of the environments in use that ``units`` provisioned environments would have been (each period's
    concurrency beyond ``units`` starts on-demand environments)."""
    total = sum(concurrency)
    if total <= 0:
        return 1.0 if units > 0 else 0.0
    return sum(min(c, units) for c in concurrency) / total


def provisioned_net_cost(
    units: int, memory_mb: int, covered_invocations_month: float, avg_duration_ms: float, prices: LambdaPrices
) -> float:
    """Net monthly change of keeping ``units`` warm: the hourly charge, minus the invocations they serve billed at
    the provisioned duration rate instead of the on-demand one."""
    warm = units * gb(memory_mb) * SECONDS_PER_MONTH * prices.provisioned_gb_second
    cheaper = prices.gb_second - prices.provisioned_duration_gb_second
    return warm - covered_invocations_month * gb(memory_mb) * avg_duration_ms / 1000 * cheaper


def apigw_cache_cost(size_gb: str, pricing: Pricing) -> float | None:
    hourly = pricing.apigw_cache_gb_hour.get(size_gb)
    return None if hourly is None else hourly * HOURS_PER_MONTH


def dynamodb_capacity_cost(read_units: int, write_units: int, pricing: Pricing) -> float:
    return (read_units * pricing.dynamodb_rcu_hour + write_units * pricing.dynamodb_wcu_hour) * HOURS_PER_MONTH


# -- latency models ---------------------------------------------------------------------------------------------


def lognormal_sigma(p50: float, p95: float) -> float:
    """The log-space spread of a lognormal with this median and p95."""
    return max(0.01, math.log(max(p95, p50 * 1.0001) / p50) / Z95) if p50 > 0 else 0.5


def lognormal_quantile(p50: float, sigma: float, q: float) -> float:
    return p50 * math.exp(sigma * _NORMAL.inv_cdf(min(max(q, 1e-6), 1 - 1e-6)))


def cached_p95(p50: float, p95: float, cached_share: float) -> float:
    """The p95 once ``cached_share`` of requests are answered from a cache (far below the rest): the remaining
    requests' distribution at the quantile that is now the overall p95 — not linear in the share."""
    if cached_share >= 0.95:
        return p50 * 0.2
    sigma = lognormal_sigma(p50, p95)
    return lognormal_quantile(p50, sigma, 1 - 0.05 / (1 - cached_share))


def _mixture_cdf(x: float, p50: float, sigma: float, cold_share: float, init_ms: float) -> float:
    def cdf(v: float) -> float:
        return _NORMAL.cdf(math.log(v / p50) / sigma) if v > 0 else 0.0

    return (1 - cold_share) * cdf(x) + cold_share * cdf(x - init_ms)


def mixture_p95(p50: float, sigma: float, cold_share: float, init_ms: float) -> float:
    low, high = 0.0, p50 * math.exp(6 * sigma) + init_ms
    for _ in range(60):
        mid = (low + high) / 2
        if _mixture_cdf(mid, p50, sigma, cold_share, init_ms) < 0.95:
            low = mid
        else:
            high = mid
    return high


def cold_start_p95(p50: float, p95: float, cold_share: float, init_ms: float, remaining_share: float) -> float:
    """The p95 once only ``remaining_share`` of today's cold starts remain: warm requests are a lognormal whose
    spread is fitted so that, with today's cold share paying ``init_ms`` on top, the p95 is the measured one."""
    if p50 <= 0 or p95 <= p50:
        return p95
    low, high = 0.01, lognormal_sigma(p50, p95)
    for _ in range(50):  # the warm spread that reproduces the measured p95 together with today's cold starts
        mid = (low + high) / 2
        if mixture_p95(p50, mid, cold_share, init_ms) < p95:
            low = mid
        else:
            high = mid
    return mixture_p95(p50, low, cold_share * remaining_share, init_ms)


# -- words ------------------------------------------------------------------------------------------------------


def pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def usd(value: float) -> str:
    return f"{'-' if value < 0 else '+'}${abs(value):,.2f}/month"


def impact_summary(p95_delta: float | None, cost: float, layer: str) -> str:
    """``API p95 -35 ms, -$12.40/month`` — the two numbers every card leads with."""
    latency = "" if p95_delta is None else f"{layer} p95 {p95_delta:+.0f} ms, "
    return f"{latency}{usd(cost)} (net bill change)"
