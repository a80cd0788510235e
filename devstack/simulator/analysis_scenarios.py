"""The analysis corpus: one simulated day per tuning problem, with what a senior SRE would recommend for it.

Each scenario changes the healthy service only where its story needs it (DynamoDB capacity is re-fitted to the
traffic so an unrelated table never looks hot or idle). ``expected`` must all be found by the rule engine;
``tolerated`` lists kinds that may also appear without doing harm; anything else counts as a wrong proposal.
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
    key: str
    direction: str  # "up" | "down" | "to"
    value: Any = None

    def matches(self, kind: str, current: dict[str, Any], proposed: dict[str, Any]) -> bool:
        if kind != self.kind or self.key not in proposed:
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


CORPUS: tuple[AnalysisScenario, ...] = (
    AnalysisScenario(DEFAULT, (Expected("apigw_cache", "enabled", "to", True),)),
    AnalysisScenario(HEALTHY),
    AnalysisScenario(
        _quiet(
            "memory-overprovisioned",
            "3 GB of memory for a function that uses 160 MB and mostly waits on DynamoDB.",
            memory_mb=3008,
            compute_ms=3.0,
            dynamodb_latency_ms=25.0,
            memory_used_mb=160.0,
        ),
        (Expected("lambda_memory", "memory_mb", "down"),),
    ),
    AnalysisScenario(
        _quiet(
            "memory-pressure",
            "256 MB for a function whose invocations peak at ~240 MB: out-of-memory kills are near.",
            memory_mb=256,
            memory_used_mb=238.0,
        ),
        (Expected("lambda_memory", "memory_mb", "up"),),
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
        (Expected("lambda_memory", "memory_mb", "up"),),
    ),
    AnalysisScenario(
        _quiet(
            "cold-starts",
            "8 % of invocations are cold starts with a 1.1 s init (heavy imports); no provisioned concurrency.",
            cold_start_share=0.08,
            init_duration_ms=1100.0,
            get_share=0.5,
        ),
        (Expected("lambda_provisioned_concurrency", "units", "up"),),
        tolerated=("apigw_cache",),
    ),
    AnalysisScenario(
        _quiet(
            "cacheable-gets",
            "90 % GETs, many repeated, in front of slow queries; the stage has no cache.",
            get_share=0.9,
            cacheable_get_share=0.6,
            dynamodb_latency_ms=70.0,
            memory_mb=512,
        ),
        (Expected("apigw_cache", "enabled", "to", True),),
    ),
    AnalysisScenario(
        _quiet(
            "cache-short-ttl",
            "A stage cache with a 30 s TTL: only 10 % of lookups hit before entries expire.",
            cache_enabled=True,
            cache_ttl_s=30,
            cacheable_get_share=0.1,
        ),
        (Expected("apigw_cache", "ttl_s", "up"),),
    ),
    AnalysisScenario(
        _quiet(
            "cache-unused",
            "A 1.6 GB stage cache in front of an API that is 95 % writes.",
            cache_enabled=True,
            cache_cluster_size="1.6",
            get_share=0.05,
        ),
        (Expected("apigw_cache", "enabled", "to", False),),
    ),
    AnalysisScenario(
        _quiet(
            "api-throttled",
            "A 50 rps stage limit under a 75 rps afternoon peak: clients get 429s.",
            peak_qps=75.0,
            trough_qps=7.5,
            throttle_rate_limit=50.0,
            throttle_burst_limit=100,
        ),
        (Expected("apigw_throttling", "rate_limit", "up"),),
    ),
    AnalysisScenario(
        fitted(
            HEALTHY,
            name="dynamodb-hot",
            description="15 RCU for reads that peak above 20 units/s: the table throttles every afternoon.",
            provisioned_rcu=15,
        ),
        (Expected("dynamodb_capacity", "read_units", "up"),),
    ),
    AnalysisScenario(
        fitted(
            HEALTHY,
            name="dynamodb-idle",
            description="1000 RCU / 500 WCU provisioned for a table that peaks at ~20 units/s.",
            provisioned_rcu=1000,
            provisioned_wcu=500,
        ),
        (Expected("dynamodb_capacity", "read_units", "down"), Expected("dynamodb_capacity", "write_units", "down")),
    ),
    AnalysisScenario(
        _quiet(
            "breaker-busy",
            "150–400 requests/s with the default failure threshold of 5: ordinary noise trips the breaker.",
            peak_qps=400.0,
            trough_qps=150.0,
        ),
        (Expected("breaker_thresholds", "failure_threshold", "to", 10),),
    ),
    AnalysisScenario(
        _quiet(
            "breaker-quiet",
            "1–8 requests/s with a failure threshold of 5: the breaker reacts too late.",
            peak_qps=8.0,
            trough_qps=1.0,
        ),
        (Expected("breaker_thresholds", "failure_threshold", "to", 3),),
    ),
    AnalysisScenario(
        _quiet(
            "breaker-slow-timeout",
            "The breaker waits 180 s before trial calls, three times the 60 s recovery SLO.",
            breaker_open_timeout_s=180.0,
        ),
        (Expected("breaker_thresholds", "open_timeout_s", "to", 60.0),),
    ),
)

BY_NAME: dict[str, AnalysisScenario] = {entry.scenario.name: entry for entry in CORPUS}


def register() -> None:
    """Make the corpus selectable by name (``python -m bot simulate --scenario cold-starts``)."""
    for entry in CORPUS:
        SCENARIOS.setdefault(entry.scenario.name, entry.scenario)


register()
