"""API Gateway rules: stage caching (enable, TTL, disable) and stage throttling."""

from __future__ import annotations

import math

from bot.analysis.estimates import apigw_cache_cost, pct, per_month, usd
from bot.analysis.inputs import ApiInputs
from bot.analysis.models import Impact, Recommendation
from bot.analysis.rule_context import RuleContext
from bot.analysis.validity import ACCOUNT_BURST_LIMIT, ACCOUNT_RATE_LIMIT

CACHEABLE_GET_SHARE = 0.6  # most traffic is reads worth caching
USELESS_GET_SHARE = 0.1  # a cache in front of a write-mostly API costs money and serves nothing
LOW_HIT_RATE = 0.3
DEFAULT_TTL_S = 300  # the seed's TTL
FIRST_CACHE_SIZE = "0.5"  # start with the smallest cluster; resize when hit rates say so
ASSUMED_HIT_RATE = 0.5  # conservative hit rate for a cache that does not exist yet
CACHED_RESPONSE_MS = 15.0
THROTTLE_PRESSURE = 0.8  # peak traffic at 80 % of the configured rate
THROTTLED_4XX_RATE = 0.01  # 429s surface as 4XXError


def _cache_values(api: ApiInputs) -> dict[str, float | int | str | bool]:
    return {"enabled": api.cache_enabled, "cluster_size_gb": api.cache_size_gb or "", "ttl_s": api.cache_ttl_s or 0}


def cache_rule(api: ApiInputs, ctx: RuleContext) -> Recommendation | None:
    share = api.get_share
    if share is None:
        return None
    if not api.cache_enabled:
        return _enable_cache(api, ctx, share)
    if share < USELESS_GET_SHARE:
        saved = apigw_cache_cost(api.cache_size_gb or "", ctx.pricing) or 0.0
        return Recommendation(
            kind="apigw_cache",
            service=ctx.service,
            target=api.target,
            current=_cache_values(api),
            proposed={"enabled": False, "cluster_size_gb": api.cache_size_gb or "", "ttl_s": api.cache_ttl_s or 0},
            rationale=(
                f"Only {pct(share)} of {api.requests:,.0f} requests are GETs, so the {api.cache_size_gb} GB cache "
                f"cluster serves almost nothing while it is billed every hour."
            ),
            impact=Impact(p95_ms_delta=0.0, monthly_cost_delta_usd=round(-saved, 2), summary=usd(-saved)),
            confidence=0.7,
        )
    hit = api.cache_hit_rate
    ttl = api.cache_ttl_s or 0
    if hit is not None and hit < LOW_HIT_RATE and ttl < DEFAULT_TTL_S:
        return Recommendation(
            kind="apigw_cache",
            service=ctx.service,
            target=api.target,
            current=_cache_values(api),
            proposed={
                "enabled": True,
                "cluster_size_gb": api.cache_size_gb or FIRST_CACHE_SIZE,
                "ttl_s": DEFAULT_TTL_S,
            },
            rationale=(
                f"The cache answers only {pct(hit)} of lookups with a TTL of {ttl} s; entries expire before they are "
                f"reused. A {DEFAULT_TTL_S} s TTL (the guide's default) keeps them long enough for repeat reads."
            ),
            impact=Impact(summary="higher hit rate, fewer backend calls; responses up to 5 min old"),
            confidence=0.6,
        )
    return None


def _enable_cache(api: ApiInputs, ctx: RuleContext, share: float) -> Recommendation | None:
    latency = api.latency_p95_ms
    if share < CACHEABLE_GET_SHARE or latency is None or latency <= ctx.slo.apigw_p95_ms:
        return None
    backend = api.integration_latency_p95_ms if api.integration_latency_p95_ms is not None else latency
    skipped = share * ASSUMED_HIT_RATE
    delta = -max(0.0, backend - CACHED_RESPONSE_MS) * skipped
    cost = apigw_cache_cost(FIRST_CACHE_SIZE, ctx.pricing) or 0.0
    return Recommendation(
        kind="apigw_cache",
        service=ctx.service,
        target=api.target,
        current=_cache_values(api),
        proposed={"enabled": True, "cluster_size_gb": FIRST_CACHE_SIZE, "ttl_s": DEFAULT_TTL_S},
        rationale=(
            f"{pct(share)} of {api.requests:,.0f} requests are GETs and p95 latency is {latency:.0f} ms against a "
            f"{ctx.slo.apigw_p95_ms:.0f} ms target (integration p95 {backend:.0f} ms). If half of the GETs hit the "
            f"cache, {pct(skipped)} of requests skip Lambda and DynamoDB."
        ),
        impact=Impact(
            p95_ms_delta=round(delta, 1),
            monthly_cost_delta_usd=round(cost, 2),
            summary=f"API p95 about {delta:+.0f} ms, {usd(cost)} for the {FIRST_CACHE_SIZE} GB cluster",
        ),
        confidence=0.65,
    )


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
        kind="apigw_throttling",
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
