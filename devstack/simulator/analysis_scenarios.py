"""The analysis corpus: one simulated day per situation, labelled with what a senior SRE would (and would never)
recommend for it.

Each scenario changes the healthy service only where its story needs it (DynamoDB capacity is re-fitted to the
traffic so an unrelated table never looks hot or idle). ``expected`` must all be found by the rule engine;
``forbidden`` are kinds or directions that would hurt (a harmful proposal); ``tolerated`` may also appear; anything
else is an unexpected proposal. ``impact`` names the estimates held against the simulated truth (the same day
re-simulated with the change applied, :mod:`devstack.simulator.truth`): "cost" (net monthly bill change) and/or
"p95" (expected p95 change), each within ±25 % (or a small absolute floor) of the truth — the impact band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from devstack.simulator.scenarios import DEFAULT, HEALTHY, SCENARIOS, Scenario

FIT_UTILIZATION = 0.5  # provisioned capacity sized so the table peaks around half full


@dataclass(frozen=True)
class Expected:
    """A recommendation of ``kind`` whose proposed ``key`` goes ``up``/``down`` or ``to`` a value."""

    kind: str
    key: str = ""
    direction: str = "any"  # "up" | "down" | "to" | "any"
    value: Any = None

    def matches(self, kind: str, current: dict[str, Any], proposed: dict[str, Any]) -> bool:
        if kind != self.kind:
            return False
        if self.direction == "any":
            return True
        if self.key not in proposed:
            return False
        before, after = current.get(self.key), proposed[self.key]
        if self.direction == "to":
            return bool(after == self.value)
        if self.direction == "up":
            return float(after) > float(before or 0)
        return float(after) < float(before or 0)

    def __str__(self) -> str:
        return f"{self.kind}.{self.key} {self.direction}{'' if self.value is None else f' {self.value}'}"


@dataclass(frozen=True)
class AnalysisScenario:
    scenario: Scenario
    expected: tuple[Expected, ...] = ()
    tolerated: tuple[str, ...] = ()
    forbidden: tuple[Expected, ...] = ()
    impact: tuple[str, ...] = ("cost",)  # which estimates of the expected recommendations are held to the truth
    note: str = ""  # a note the analysis must say (e.g. why it stays silent)

    @property
    def name(self) -> str:
        return self.scenario.name


def fitted(scenario: Scenario, **changes: Any) -> Scenario:
    """``scenario`` with ``changes``, and table capacity re-fitted to its traffic unless given explicitly."""
    s = replace(scenario, **changes)
    peak = s.peak_qps * (1 + 3 * s.traffic_noise)
    reads = peak * s.get_share * s.read_units_per_get / FIT_UTILIZATION
    writes = peak * (1 - s.get_share) * s.write_units_per_post / FIT_UTILIZATION
    capacity = {
        "provisioned_rcu": changes.get("provisioned_rcu", max(1, math.ceil(reads))),
        "provisioned_wcu": changes.get("provisioned_wcu", max(1, math.ceil(writes))),
    }
    return replace(s, **capacity)


def _quiet(name: str, description: str, **changes: Any) -> Scenario:
    """The healthy day (no incident, no breaker trips) with ``changes``."""
    return fitted(HEALTHY, name=name, description=description, **changes)


def up(kind: str, key: str) -> Expected:
    return Expected(kind, key, "up")


def down(kind: str, key: str) -> Expected:
    return Expected(kind, key, "down")


def any_of(kind: str) -> Expected:
    return Expected(kind)


MEMORY, PC, CACHE = "lambda_memory", "lambda_provisioned_concurrency", "apigw_cache"
SCHEDULED_PC = "scheduled_provisioned_concurrency"
THROTTLING, CAPACITY, BREAKER = "apigw_throttling", "dynamodb_capacity", "breaker_thresholds"
ANY_MEMORY, ANY_PC, ANY_CACHE, ANY_THROTTLING, ANY_CAPACITY = map(any_of, (MEMORY, PC, CACHE, THROTTLING, CAPACITY))
COLD = {"cold_start_share": 0.08, "init_duration_ms": 1100.0, "get_share": 0.5}
THROTTLED = {"peak_qps": 75.0, "trough_qps": 7.5, "throttle_rate_limit": 50.0, "throttle_burst_limit": 100}
SLOW_GETS = {"get_share": 0.9, "cacheable_get_share": 0.6, "dynamodb_latency_ms": 70.0, "memory_mb": 512}

CORPUS: tuple[AnalysisScenario, ...] = (
    # -- nothing to do ---------------------------------------------------------------------------------------
    AnalysisScenario(HEALTHY, forbidden=(ANY_MEMORY, ANY_PC, ANY_CACHE, ANY_THROTTLING, ANY_CAPACITY)),
    AnalysisScenario(
        DEFAULT,  # the incident hour is not a steady state: no cache, no memory from a slow last hour
        (down(CAPACITY, "read_units"),),
        forbidden=(ANY_CACHE, up(MEMORY, "memory_mb"), ANY_PC, up(CAPACITY, "read_units")),
        impact=("cost",),
    ),
    AnalysisScenario(
        _quiet("healthy-x86", "The healthy day on an x86_64 function.", architecture="x86_64"),
        forbidden=(ANY_MEMORY, ANY_PC, ANY_CACHE),
    ),
    AnalysisScenario(
        _quiet("healthy-steady", "Flat traffic at 40 rps all day.", traffic_shape="steady", peak_qps=40.0),
        forbidden=(ANY_MEMORY, ANY_PC, ANY_CACHE, ANY_THROTTLING),
    ),
    AnalysisScenario(
        _quiet(
            "healthy-bursty",
            "Bursty traffic: 3 rps with ten-minute bursts of 60 rps.",
            traffic_shape="bursty",
            peak_qps=60.0,
            trough_qps=3.0,
        ),
        forbidden=(ANY_MEMORY, ANY_PC, ANY_CACHE, ANY_THROTTLING),
        tolerated=(BREAKER,),  # 3 rps typical: the adaptive rule's low-traffic threshold
    ),
    # -- Lambda memory ---------------------------------------------------------------------------------------
    AnalysisScenario(
        _quiet(
            "memory-overprovisioned",
            "3 GB of memory for a function that uses 160 MB and mostly waits on DynamoDB.",
            memory_mb=3008,
            compute_ms=3.0,
            dynamodb_latency_ms=25.0,
            memory_used_mb=160.0,
        ),
        (down(MEMORY, "memory_mb"),),
        forbidden=(up(MEMORY, "memory_mb"),),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet(
            "memory-overprovisioned-no-insights",
            "The same 3 GB function without Lambda Insights: nothing measures its memory or CPU.",
            memory_mb=3008,
            compute_ms=3.0,
            dynamodb_latency_ms=25.0,
            memory_used_mb=160.0,
            insights=False,
        ),
        forbidden=(ANY_MEMORY,),
        note="Lambda Insights is off",
    ),
    AnalysisScenario(
        _quiet(
            "memory-pressure",
            "256 MB for a function whose invocations peak at ~240 MB: out-of-memory kills are near.",
            memory_mb=256,
            memory_used_mb=238.0,
        ),
        (up(MEMORY, "memory_mb"),),
        tolerated=(PC,),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet(
            "memory-pressure-x86",
            "The same memory pressure on x86_64, priced at x86 rates.",
            memory_mb=256,
            memory_used_mb=238.0,
            architecture="x86_64",
        ),
        (up(MEMORY, "memory_mb"),),
        tolerated=(PC,),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet(
            "cpu-bound",
            "A CPU-heavy handler at 256 MB: p95 duration is half a second, nearly all of it computing.",
            memory_mb=256,
            compute_ms=300.0,
            get_share=0.3,
            memory_used_mb=150.0,
        ),
        (up(MEMORY, "memory_mb"),),
        tolerated=(PC,),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet(
            "waiting-on-api-no-insights",
            "A slow function that waits 300 ms on its dependency, without Lambda Insights: not CPU-bound.",
            memory_mb=256,
            dynamodb_latency_ms=300.0,
            insights=False,
        ),
        forbidden=(up(MEMORY, "memory_mb"),),
        tolerated=(CAPACITY, CACHE),
        note="Lambda Insights is off",
    ),
    AnalysisScenario(
        _quiet(
            "waiting-on-api-insights",
            "The same slow function with Lambda Insights: CPU time is a small share, memory would not help.",
            memory_mb=256,
            dynamodb_latency_ms=300.0,
            memory_used_mb=120.0,
        ),
        forbidden=(up(MEMORY, "memory_mb"),),
        tolerated=(CAPACITY, MEMORY, PC, CACHE),
    ),
    # -- provisioned concurrency -----------------------------------------------------------------------------
    AnalysisScenario(
        _quiet(
            "cold-starts",
            "8 % of invocations are cold starts with a 1.1 s init (heavy imports); no provisioned concurrency.",
            **COLD,
        ),
        (up(PC, "units"),),
        tolerated=(CACHE,),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet("cold-starts-x86", "The same cold starts on x86_64.", architecture="x86_64", **COLD),
        (up(PC, "units"),),
        tolerated=(CACHE,),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet(
            "cold-starts-steady",
            "Cold starts under flat 40 rps traffic.",
            traffic_shape="steady",
            peak_qps=40.0,
            **COLD,
        ),
        (up(PC, "units"),),
        tolerated=(CACHE,),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet(
            "cold-starts-sparse",
            "~2,000 bursty requests a day, a third of them cold: warm environments would idle all day.",
            traffic_shape="bursty",
            peak_qps=0.2,
            trough_qps=0.02,
            cold_start_share=0.3,
            init_duration_ms=900.0,
        ),
        forbidden=(up(PC, "units"),),
        tolerated=(BREAKER, CACHE, MEMORY),
        note="would not pay",
    ),
    AnalysisScenario(
        _quiet(
            "cold-starts-latest-alias",
            "Cold starts and memory pressure, but the alias points at $LATEST: only provisioned concurrency is off.",
            alias_on_latest=True,
            memory_mb=256,
            memory_used_mb=238.0,
            **COLD,
        ),
        (up(MEMORY, "memory_mb"),),
        forbidden=(ANY_PC,),
        tolerated=(CACHE,),
        impact=(),
        note="$LATEST",
    ),
    AnalysisScenario(
        _quiet("cold-starts-no-insights", "Cold starts nobody measures (Lambda Insights off).", insights=False, **COLD),
        forbidden=(ANY_PC, ANY_MEMORY),
        tolerated=(CACHE,),
        note="cold starts and init duration are not measured",
    ),
    # -- scheduled provisioned concurrency (14 days of hourly traffic: a usage pattern) -------------------------
    AnalysisScenario(
        _quiet(
            "cold-starts-daily-peak",
            "The cold starts under a strong daily peak (14:00 UTC, 10× the night), 14 days of traffic: warm "
            "environments around the peak, not all day.",
            usage_days=14,
            **COLD,
        ),
        (up(SCHEDULED_PC, "peak_units"),),
        forbidden=(up(PC, "units"),),
        tolerated=(CACHE,),
        impact=(),
    ),
    AnalysisScenario(
        _quiet(
            "cold-starts-steady-14-days",
            "The cold starts under flat 40 rps traffic for 14 days: no daily peak to schedule around.",
            traffic_shape="steady",
            peak_qps=40.0,
            usage_days=14,
            **COLD,
        ),
        (up(PC, "units"),),
        forbidden=(any_of(SCHEDULED_PC),),
        tolerated=(CACHE,),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet("pc-over-provisioned", "40 provisioned units; concurrency never passes 5.", provisioned_concurrency=40),
        (down(PC, "units"),),
        forbidden=(up(PC, "units"),),
        impact=("cost",),
    ),
    AnalysisScenario(
        _quiet("pc-right-sized", "5 provisioned units for a peak concurrency of 5.", provisioned_concurrency=5, **COLD),
        forbidden=(ANY_PC,),
        tolerated=(CACHE,),
    ),
    # -- API Gateway cache -----------------------------------------------------------------------------------
    AnalysisScenario(
        _quiet(
            "cacheable-gets", "90 % GETs, many repeated, in front of slow queries; the stage has no cache.", **SLOW_GETS
        ),
        (Expected(CACHE, "enabled", "to", True),),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        _quiet(
            "cacheable-gets-x86-on-demand",
            "The same read-heavy slow API on x86_64 with an on-demand table: the cache also saves read requests.",
            architecture="x86_64",
            table_on_demand=True,
            **SLOW_GETS,
        ),
        (Expected(CACHE, "enabled", "to", True),),
        impact=("cost", "p95"),
    ),
    AnalysisScenario(
        replace(
            fitted(DEFAULT, get_share=0.9),
            name="cacheable-incident-only",
            description="A read-heavy API that is fast all day and slow only in the incident hour.",
        ),
        forbidden=(ANY_CACHE, up(MEMORY, "memory_mb")),
    ),
    AnalysisScenario(
        _quiet(
            "cache-short-ttl",
            "A stage cache with a 30 s TTL: only 10 % of lookups hit before entries expire.",
            cache_enabled=True,
            cache_ttl_s=30,
            cacheable_get_share=0.1,
        ),
        (up(CACHE, "ttl_s"),),
        impact=(),
    ),
    AnalysisScenario(
        _quiet(
            "cache-unused",
            "A 1.6 GB stage cache in front of an API that is 95 % writes.",
            cache_enabled=True,
            cache_cluster_size="1.6",
            get_share=0.05,
        ),
        (Expected(CACHE, "enabled", "to", False),),
        impact=("cost",),
    ),
    # -- API Gateway throttling ------------------------------------------------------------------------------
    AnalysisScenario(
        _quiet("api-throttled", "A 50 rps stage limit under a 75 rps afternoon peak: clients get 429s.", **THROTTLED),
        (up(THROTTLING, "rate_limit"),),
        impact=("cost",),
    ),
    AnalysisScenario(
        _quiet(
            "api-throttled-saturated-lambda",
            "The same 429s, but the function is at its reserved concurrency of 3: more traffic would become 5XX.",
            reserved_concurrency=3,
            **THROTTLED,
        ),
        forbidden=(up(THROTTLING, "rate_limit"),),
        tolerated=(MEMORY, PC, CAPACITY),
        note="no headroom",
    ),
    AnalysisScenario(
        _quiet(
            "api-throttled-full-table",
            "The same 429s in front of a table already at 95 % of its read capacity.",
            provisioned_rcu=18,
            **THROTTLED,
        ),
        (up(CAPACITY, "read_units"),),
        forbidden=(up(THROTTLING, "rate_limit"),),
        impact=("cost",),
    ),
    AnalysisScenario(
        _quiet(
            "api-4xx-from-clients",
            "8 % of requests are 404s from a misconfigured client; the stage never throttles.",
            error_4xx_rate=0.08,
        ),
        forbidden=(ANY_THROTTLING,),
    ),
    AnalysisScenario(
        _quiet(
            "api-4xx-near-limit",
            "Client 4XX at 5 % while the afternoon peak runs close to a 95 rps stage limit.",
            error_4xx_rate=0.05,
            peak_qps=75.0,
            throttle_rate_limit=95.0,
            throttle_burst_limit=200,
        ),
        forbidden=(ANY_THROTTLING,),
    ),
    # -- DynamoDB capacity -----------------------------------------------------------------------------------
    AnalysisScenario(
        fitted(
            HEALTHY,
            name="dynamodb-hot",
            description="15 RCU for reads that peak above 20 units/s: the table throttles every afternoon.",
            provisioned_rcu=15,
        ),
        (up(CAPACITY, "read_units"),),
        forbidden=(down(CAPACITY, "read_units"),),
        impact=("cost",),
    ),
    AnalysisScenario(
        fitted(
            HEALTHY,
            name="dynamodb-idle",
            description="1000 RCU / 500 WCU provisioned for a table that peaks at ~20 units/s.",
            provisioned_rcu=1000,
            provisioned_wcu=500,
        ),
        (down(CAPACITY, "read_units"), down(CAPACITY, "write_units")),
        impact=("cost",),
    ),
    AnalysisScenario(
        _quiet(
            "dynamodb-hot-key",
            "Reads throttle on one partition key while the table uses half its capacity at most.",
            hot_key_share=0.2,
        ),
        forbidden=(ANY_CAPACITY,),
        note="Enable CloudWatch Contributor Insights on the table to see which partition keys are hot",
    ),
    AnalysisScenario(
        _quiet(
            "dynamodb-hot-key-insights",
            "The hot key with Contributor Insights on: the note names the key, and still no capacity change.",
            hot_key_share=0.2,
            contributor_insights=True,
        ),
        forbidden=(ANY_CAPACITY,),
        note="most accessed partition keys over the window: `monitoring-api` (",
    ),
    AnalysisScenario(
        _quiet("dynamodb-on-demand", "An on-demand table: there is no capacity to change.", table_on_demand=True),
        forbidden=(ANY_CAPACITY,),
    ),
    # -- circuit breaker -------------------------------------------------------------------------------------
    AnalysisScenario(
        _quiet(
            "breaker-busy",
            "150–400 requests/s with the default failure threshold of 5: ordinary noise trips the breaker.",
            peak_qps=400.0,
            trough_qps=150.0,
        ),
        (Expected(BREAKER, "failure_threshold", "to", 10),),
        tolerated=(CAPACITY,),
        impact=(),
    ),
    AnalysisScenario(
        _quiet(
            "breaker-quiet",
            "1–8 requests/s with a failure threshold of 5: the breaker reacts too late.",
            peak_qps=8.0,
            trough_qps=1.0,
        ),
        (Expected(BREAKER, "failure_threshold", "to", 3),),
        impact=(),
    ),
    AnalysisScenario(
        _quiet(
            "breaker-slow-timeout",
            "The breaker waits 180 s before trial calls, three times the 60 s recovery SLO.",
            breaker_open_timeout_s=180.0,
        ),
        (Expected(BREAKER, "open_timeout_s", "to", 60.0),),
        impact=(),
    ),
)

BY_NAME: dict[str, AnalysisScenario] = {entry.scenario.name: entry for entry in CORPUS}


def register() -> None:
    """Make the corpus selectable by name (``python -m bot simulate --scenario cold-starts``)."""
    for entry in CORPUS:
        SCENARIOS.setdefault(entry.scenario.name, entry.scenario)


register()
