"""API Gateway stage cache: the cache cluster (on/off, size 0.5 … 237 GB) and stage-wide method caching (on/off,
TTL 0–3600 s). Enabled for read-heavy slow APIs, given a longer TTL when entries expire unused, disabled when
nothing is read. Verified on the API's p95 ``Latency``.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from bot.analysis.estimates import (
    apigw_cache_cost,
    cached_p95,
    impact_summary,
    init_cost,
    invocation_cost,
    pct,
    per_month,
    usd,
)
from bot.analysis.inputs import ApiInputs, ServiceInputs
from bot.analysis.models import Impact, Recommendation, Risk, Values
from bot.analysis.rule_context import RuleContext
from bot.aws.clients import AwsError
from bot.aws.cloudwatch import MetricQuery
from bot.changes.kinds.apigw_stage import StageHandler, split_stage
from bot.changes.kinds.base import ChangeKind, WholeNumber
from bot.changes.kinds.handler import ChangeHandler, InvalidChange, as_int
from bot.changes.kinds.metrics import api_latency, service_api
from bot.settings import Settings

CACHE_SIZES_GB = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
CACHE_TTL_S = (0, 3600)
CACHEABLE_GET_SHARE = 0.6  # most traffic is reads worth caching
USELESS_GET_SHARE = 0.1  # a cache in front of a write-mostly API costs money and serves nothing
LOW_HIT_RATE = 0.3
DEFAULT_TTL_S = 300  # the guide's TTL
FIRST_CACHE_SIZE = "0.5"  # start with the smallest cluster; resize when hit rates say so
ASSUMED_HIT_RATE = 0.5  # conservative hit rate for a cache that does not exist yet
IN_PROGRESS = ("CREATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "FLUSH_IN_PROGRESS")
POLL_S = 2.0
TIMEOUT_S = 1800.0  # a cache cluster takes minutes to create


class CacheValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool = Field(description="the stage's cache cluster and method caching, on or off")
    cluster_size_gb: str = Field(
        description="cache cluster size in GB ('' only while the cache is off)",
        json_schema_extra={"enum": [*CACHE_SIZES_GB, ""]},
    )
    ttl_s: WholeNumber = Field(ge=CACHE_TTL_S[0], le=CACHE_TTL_S[1], description="method cache TTL, seconds")

    @model_validator(mode="after")
    def _size_exists(self) -> CacheValues:
        if self.enabled and self.cluster_size_gb not in CACHE_SIZES_GB:
            raise ValueError(f"cache cluster size {self.cluster_size_gb!r} GB is not one of {CACHE_SIZES_GB}")
        return self


def cluster_size(raw: object) -> str:
    """Normalise ``0.5`` / ``"0.5"`` / ``118.0`` to API Gateway's spelling, or InvalidChange."""
    try:
        number = float(str(raw))
    except ValueError:
        number = -1.0
    for size in CACHE_SIZES_GB:
        if float(size) == number:
            return size
    raise InvalidChange(f"cache cluster size must be one of {', '.join(CACHE_SIZES_GB)} GB, got {raw!r}")


# -- rules ----------------------------------------------------------------------------------------------------


def _cache_values(api: ApiInputs) -> Values:
    return {"enabled": api.cache_enabled, "cluster_size_gb": api.cache_size_gb or "", "ttl_s": api.cache_ttl_s or 0}


def _backend_cost(inputs: ServiceInputs, ctx: RuleContext) -> float:
    """What one request that reaches the backend costs: each function's invocation and on-demand DynamoDB reads."""
    api = inputs.api
    cost = 0.0
    for fn in inputs.lambdas:
        share = fn.invocations / api.requests if api is not None and api.requests > 0 else 1.0
        prices = ctx.lambda_prices(fn.architecture)
        cost += min(1.0, share) * invocation_cost(fn.memory_mb, fn.duration_avg_ms or 0.0, prices)
        if fn.cold_start_share is not None and fn.init_duration_avg_ms is not None:  # fewer invocations, fewer inits
            cost += min(1.0, share) * init_cost(fn.cold_start_share, fn.init_duration_avg_ms, fn.memory_mb, prices)
    for table in inputs.tables:
        if not table.provisioned and api is not None and api.requests > 0:
            reads = (table.consumed_read_avg or 0.0) * ctx.window_h * 3600 / api.requests
            cost += reads * ctx.pricing.dynamodb_read_request_per_million / 1e6
    return cost


def cache_rule(inputs: ServiceInputs, ctx: RuleContext) -> Recommendation | None:
    api = inputs.api
    share = api.get_share if api is not None else None
    if api is None or share is None:
        return None
    if not api.cache_enabled:
        return _enable_cache(inputs, api, ctx, share)
    if share < USELESS_GET_SHARE:
        hits = per_month(api.cache_hits or 0.0, ctx.window_h)
        saved = (apigw_cache_cost(api.cache_size_gb or "", ctx.pricing) or 0.0) - hits * _backend_cost(inputs, ctx)
        return Recommendation(
            kind=ApiGatewayCache.name,
            service=ctx.service,
            target=api.target,
            current=_cache_values(api),
            proposed={"enabled": False, "cluster_size_gb": api.cache_size_gb or "", "ttl_s": api.cache_ttl_s or 0},
            rationale=(
                f"Over the {ctx.window}, only {pct(share)} of {api.requests:,.0f} requests are GETs, so the "
                f"{api.cache_size_gb} GB cache cluster serves almost nothing while it is billed every hour."
            ),
            impact=Impact(
                p95_ms_delta=0.0, monthly_cost_delta_usd=round(-saved, 2), summary=impact_summary(0.0, -saved, "API")
            ),
            confidence=0.7,
        )
    hit = api.cache_hit_rate
    ttl = api.cache_ttl_s or 0
    if hit is not None and hit < LOW_HIT_RATE and ttl < DEFAULT_TTL_S:
        return Recommendation(
            kind=ApiGatewayCache.name,
            service=ctx.service,
            target=api.target,
            current=_cache_values(api),
            proposed={
                "enabled": True,
                "cluster_size_gb": api.cache_size_gb or FIRST_CACHE_SIZE,
                "ttl_s": DEFAULT_TTL_S,
            },
            rationale=(
                f"Over the {ctx.window} the cache answered only {pct(hit)} of lookups with a TTL of {ttl} s; entries "
                "expire before they are "
                f"reused. A {DEFAULT_TTL_S} s TTL (the guide's default) keeps them long enough for repeat reads; how "
                "many more hit is not predictable from today's lookups, so no number is claimed."
            ),
            impact=Impact(summary="higher hit rate, fewer backend calls; responses up to 5 min old"),
            confidence=0.6,
        )
    return None


def _enable_cache(inputs: ServiceInputs, api: ApiInputs, ctx: RuleContext, share: float) -> Recommendation | None:
    latency, p50 = api.latency_p95_baseline_ms, api.latency_p50_ms
    if share < CACHEABLE_GET_SHARE or latency is None or latency <= ctx.slo.apigw_p95_ms:
        return None
    skipped = share * ASSUMED_HIT_RATE
    delta = None if p50 is None else cached_p95(p50, latency, skipped) - latency
    cluster = apigw_cache_cost(FIRST_CACHE_SIZE, ctx.pricing) or 0.0
    saved = per_month(api.requests * skipped, ctx.window_h) * _backend_cost(inputs, ctx)
    cost = cluster - saved
    return Recommendation(
        kind=ApiGatewayCache.name,
        service=ctx.service,
        target=api.target,
        current=_cache_values(api),
        proposed={"enabled": True, "cluster_size_gb": FIRST_CACHE_SIZE, "ttl_s": DEFAULT_TTL_S},
        rationale=(
            f"Over the {ctx.window}, {pct(share)} of {api.requests:,.0f} requests are GETs and the typical hourly p95 "
            f"latency is {latency:.0f} ms against a {ctx.slo.apigw_p95_ms:.0f} ms target. If half of the GETs hit "
            f"the cache, {pct(skipped)} of requests skip Lambda and DynamoDB: the {FIRST_CACHE_SIZE} GB cluster costs "
            f"{usd(cluster)} and the invocations it saves {usd(-saved)}. The new p95 is the slowest 5 % of the "
            "requests that still reach the backend (a lognormal fitted to the measured p50 and p95)."
        ),
        impact=Impact(
            p95_ms_delta=None if delta is None else round(delta, 1),
            monthly_cost_delta_usd=round(cost, 2),
            summary=impact_summary(delta, cost, "API"),
        ),
        confidence=0.65,
    )


# -- apply ----------------------------------------------------------------------------------------------------


class ApiGatewayCacheHandler(StageHandler):
    """UpdateStage: /cacheClusterEnabled, /cacheClusterSize, /*/*/caching/enabled and ttlInSeconds."""

    def read_current(self, target: str) -> Values:
        stage = self._apigw.get_stage(*self._api_id(target))
        values: Values = {"enabled": stage.cache_enabled}
        if stage.cache_size_gb:
            values["cluster_size_gb"] = cluster_size(stage.cache_size_gb)
        if stage.cache_ttl_s is not None:
            values["ttl_s"] = stage.cache_ttl_s
        return values

    def validate(self, target: str, after: Values) -> None:
        if not isinstance(after.get("enabled"), bool):
            raise InvalidChange(f"enabled must be true or false, got {after.get('enabled')!r}")
        if after["enabled"] or after.get("cluster_size_gb"):  # a disabled cache may name no size ("")
            cluster_size(after.get("cluster_size_gb"))
        if "ttl_s" in after:
            as_int(after, "ttl_s", low=CACHE_TTL_S[0], high=CACHE_TTL_S[1])
        split_stage(target)

    def apply(self, target: str, after: Values) -> list[str]:
        flag = "true" if after["enabled"] else "false"
        ops = [
            {"op": "replace", "path": "/cacheClusterEnabled", "value": flag},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": flag},
        ]
        if after["enabled"] and after.get("cluster_size_gb"):
            ops.append({"op": "replace", "path": "/cacheClusterSize", "value": cluster_size(after["cluster_size_gb"])})
        if "ttl_s" in after:
            ops.append({"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": str(int(after["ttl_s"]))})
        return [self._apigw.update_stage(*self._api_id(target), ops)]

    def wait_until_done(self, target: str) -> None:
        api_id, stage = self._api_id(target)
        deadline = time.monotonic() + TIMEOUT_S
        while (status := self._apigw.cache_cluster_status(api_id, stage)) in IN_PROGRESS:
            if time.monotonic() > deadline:
                raise AwsError(f"cache cluster of {target} still {status} after {TIMEOUT_S:.0f} s")
            time.sleep(POLL_S)


# -- the kind -------------------------------------------------------------------------------------------------


class ApiGatewayCache(ChangeKind[CacheValues]):
    name = "apigw_cache"
    title = "API Gateway cache"
    aliases = ("cache",)
    target_hint = "'api-name/stage'"
    values_model = CacheValues

    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        return {} if inputs.api is None else {inputs.api.target: _cache_values(inputs.api)}

    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        rec = cache_rule(inputs, ctx)
        return [rec] if rec is not None else []

    def risk(self, current: Values, proposed: Values) -> Risk:
        """TTL or size only, the cache stays on: low; turning it on or off (stale responses / cold cache): medium."""
        return "low" if bool(current.get("enabled")) and bool(proposed.get("enabled")) else "medium"

    def evidence_problem(self, target: str, current: Values, proposed: Values, inputs: ServiceInputs) -> str | None:
        api = inputs.api
        if api is not None and proposed.get("enabled") and not current.get("enabled") and api.get_share is None:
            return "the GET share is not measured (detailed metrics off): a cache cannot be judged"
        return None

    def canonical(self, values: dict[str, Any]) -> dict[str, Any]:
        """``0.5`` or ``118.0`` → ``"0.5"`` / ``"118"``: the same size spelled as a number is not a different value."""
        size = values.get("cluster_size_gb")
        if isinstance(size, int | float) and not isinstance(size, bool):
            spelled = next((s for s in CACHE_SIZES_GB if float(s) == float(size)), str(size))
            return {**values, "cluster_size_gb": spelled}
        return values

    def handler(self) -> ChangeHandler:
        return ApiGatewayCacheHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        return [api_latency(target.rpartition("/")[0] or service_api(settings, service))]

    def describe(self, values: Values) -> str:
        if not values["enabled"]:
            return "off"
        size = f", {values['cluster_size_gb']} GB" if values.get("cluster_size_gb") else ""
        return f"on{size}" + (f", TTL {values['ttl_s']} s" if "ttl_s" in values else "")


KIND = ApiGatewayCache()
