"""The monitored service minute by minute: requests flow API Gateway → Lambda → DynamoDB, and every metric of
a minute is derived from the same counts, so the numbers agree with each other the way real ones do
(invocations ≈ API count minus cache hits and throttles; E2E ≥ Latency ≥ IntegrationLatency ≥ Duration).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from devstack.simulator.distribution import BODY_GRID, TAIL_GRID, Distribution, Grid, lognormal
from devstack.simulator.scenarios import Scenario

MINUTES = 24 * 60
PUT_FACTOR = 1.2  # a PutItem takes a little longer than a Query
HOT_KEY_THROTTLED = 0.5  # of the reads on a hot key, the share beyond its partition's throughput


@dataclass(frozen=True)
class BreakerMinute:
    """What the breaker did in one minute: share of the minute spent OPEN, failures it saw trip/re-open it."""

    open_share: float = 0.0
    failures: int = 0


@dataclass
class Minute:
    at: datetime
    qps: float
    incident: float  # 0 outside the incident, ramps to 1
    requests: int = 0
    gets: int = 0
    posts: int = 0
    cache_hits: int = 0
    api_throttled: int = 0
    invocations: int = 0
    lambda_throttles: int = 0
    lambda_errors: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    cold_starts: int = 0
    concurrency: int = 0
    queries: int = 0
    puts: int = 0
    read_units: float = 0.0
    write_units: float = 0.0
    read_throttles: int = 0
    write_throttles: int = 0
    breaker_efficiency: float = 100.0
    cache_hit_rate: float = 0.0
    provisioned_utilization: float | None = None
    peak_concurrency: float = 0.0  # environments the minute needed (what provisioned concurrency must cover)
    cpu_ms: float = 0.0  # average CPU time per invocation (Lambda Insights cpu_total_time)
    latency: Distribution | None = None
    integration_latency: Distribution | None = None
    duration: Distribution | None = None
    e2e_latency: Distribution | None = None
    init_duration: Distribution | None = None
    memory_used: Distribution | None = None
    query_latency: Distribution | None = None
    put_latency: Distribution | None = None
    dynamodb_latency: Distribution | None = None  # all operations


BURST_MINUTES = 10  # "bursty": one burst at peak_qps of this length in every two-hour block


def _shape(scenario: Scenario, at: datetime, i: int, bursts: set[int]) -> float:
    """The traffic level of minute ``i`` before noise."""
    if scenario.traffic_shape == "steady":
        return scenario.peak_qps
    if scenario.traffic_shape == "bursty":
        return scenario.peak_qps if i in bursts else scenario.trough_qps
    hour = at.hour + at.minute / 60
    shape = 0.5 * (1 + math.cos(2 * math.pi * (hour - scenario.peak_hour_utc) / 24))
    return scenario.trough_qps + (scenario.peak_qps - scenario.trough_qps) * shape


def qps_series(scenario: Scenario, start: datetime, rng: random.Random) -> list[float]:
    """A daily shape (peak at ``peak_hour_utc``, trough twelve hours later), a steady level, or a low level with
    short bursts; multiplicative noise per minute."""
    bursts: set[int] = set()
    if scenario.traffic_shape == "bursty":  # drawn only then: the other shapes keep their random sequence
        for block in range(0, MINUTES, 120):
            offset = rng.randrange(0, 120 - BURST_MINUTES)
            bursts.update(block + offset + k for k in range(BURST_MINUTES))
    series = []
    for i in range(MINUTES):
        base = _shape(scenario, start + timedelta(minutes=i), i, bursts)
        series.append(round(base * max(0.5, 1 + rng.gauss(0, scenario.traffic_noise)), 3))
    return series


def incident_intensity(scenario: Scenario, minute: int) -> float:
    """0 before the incident window (the last ``incident_minutes``), then a linear ramp to 1."""
    if not scenario.incident:
        return 0.0
    into = minute - (MINUTES - scenario.incident_minutes)
    if into < 0:
        return 0.0
    return min(1.0, (into + 1) / max(1, scenario.incident_ramp_minutes))


def build_minute(
    scenario: Scenario, at: datetime, qps: float, incident: float, breaker: BreakerMinute, rng: random.Random
) -> Minute:
    s = scenario
    m = Minute(at=at, qps=qps, incident=incident)
    served_gets, backend_gets, backend = _api_gateway(s, m)
    dynamo_ms = s.dynamodb_latency_ms * (1 + (s.incident_dynamodb_factor - 1) * incident)
    _lambda(s, m, backend, dynamo_ms, rng)
    get_share = backend_gets / backend if backend else s.get_share
    failed = _dynamodb(s, m, round(m.invocations * get_share))
    dynamo_ms *= 1 + 2 * min(1.0, (m.read_throttles + m.write_throttles) / max(1, m.invocations))  # SDK retries

    error_rate = s.error_5xx_rate + s.incident_5xx_rate * incident
    errors = round(m.invocations * error_rate * max(0.0, 1 + rng.gauss(0, 0.25)))
    m.lambda_errors = min(m.invocations, errors + failed + breaker.failures)
    m.errors_5xx = m.lambda_errors + m.lambda_throttles
    m.errors_4xx = max(0, min(m.requests - m.errors_5xx, round(m.invocations * s.error_4xx_rate) + m.api_throttled))

    _latencies(s, m, dynamo_ms, get_share, rng)
    if m.invocations and m.duration:
        m.concurrency = max(1, math.ceil(m.invocations / 60 * m.duration.mean / 1000 * 1.5))
        if s.reserved_concurrency is not None:
            m.concurrency = min(m.concurrency, s.reserved_concurrency)
    success = 1 - m.lambda_errors / m.invocations if m.invocations else 1.0
    m.breaker_efficiency = round(100 * success * (1 - breaker.open_share), 2)
    if s.cache_enabled:
        m.cache_hit_rate = round(100 * m.cache_hits / served_gets, 2) if served_gets else 0.0
    else:  # the function's own per-container cache sees the same repeats an API cache would serve
        m.cache_hit_rate = round(100 * s.cacheable_get_share * max(0.0, 1 + rng.gauss(0, 0.05)), 2)
    return m


def _api_gateway(s: Scenario, m: Minute) -> tuple[int, int, int]:
    """Requests, stage throttling (429) and cache hits; returns (served GETs, GETs to Lambda, all to Lambda)."""
    m.requests = max(1, round(m.qps * 60))
    m.gets = round(m.requests * s.get_share)
    m.posts = m.requests - m.gets
    m.api_throttled = min(m.requests, round(max(0.0, m.qps - s.throttle_rate_limit) * 60))
    throttled_gets = round(m.api_throttled * s.get_share)
    served_gets = m.gets - throttled_gets
    m.cache_hits = round(served_gets * s.cacheable_get_share) if s.cache_enabled else 0
    backend_gets = served_gets - m.cache_hits
    return served_gets, backend_gets, backend_gets + m.posts - (m.api_throttled - throttled_gets)


def _lambda(s: Scenario, m: Minute, backend: int, dynamo_ms: float, rng: random.Random) -> None:
    """Reserved concurrency throttles the excess; provisioned concurrency absorbs cold starts up to its size."""
    mean_s = (s.compute_ms + dynamo_ms) * math.exp(s.duration_sigma**2 / 2) / 1000
    peak_concurrency = backend / 60 * mean_s * 1.5 + 1
    if s.reserved_concurrency is not None and peak_concurrency > s.reserved_concurrency:
        m.lambda_throttles = round(backend * (1 - s.reserved_concurrency / peak_concurrency))
    m.invocations = backend - m.lambda_throttles
    m.peak_concurrency = peak_concurrency
    spill = 1.0 if s.provisioned_concurrency <= 0 else max(0.0, 1 - s.provisioned_concurrency / peak_concurrency)
    cold_noise = max(0.0, 1 + rng.gauss(0, 0.3))
    m.cold_starts = min(m.invocations, round(m.invocations * s.cold_start_share * spill * cold_noise))
    if s.provisioned_concurrency > 0:
        m.provisioned_utilization = round(min(1.0, peak_concurrency / 1.5 / s.provisioned_concurrency), 4)


def _dynamodb(s: Scenario, m: Minute, inv_gets: int) -> int:
    """Capacity arithmetic: demand beyond provisioned units per minute is throttled; returns failed requests."""
    inv_posts = m.invocations - inv_gets
    read_demand = inv_gets * s.read_units_per_get
    write_demand = inv_posts * s.write_units_per_post
    rcu, wcu = (math.inf, math.inf) if s.table_on_demand else (s.provisioned_rcu, s.provisioned_wcu)
    m.read_throttles = _throttled(read_demand, rcu * 60, s.read_units_per_get)
    m.read_throttles += round(inv_gets * s.dynamodb_throttle_share)
    m.read_throttles += round(inv_gets * s.hot_key_share * HOT_KEY_THROTTLED)
    m.write_throttles = _throttled(write_demand, wcu * 60, s.write_units_per_post)
    m.write_throttles += round(inv_posts * s.dynamodb_throttle_share)
    failed_reads, failed_writes = round(m.read_throttles * 0.2), round(m.write_throttles * 0.2)  # retries exhausted
    m.queries = max(0, inv_gets - failed_reads)
    m.puts = max(0, inv_posts - failed_writes)
    reads = min(read_demand, rcu * 60.0) - failed_reads * s.read_units_per_get
    writes = min(write_demand, wcu * 60.0) - failed_writes * s.write_units_per_post
    m.read_units, m.write_units = max(0.0, round(reads, 1)), max(0.0, round(writes, 1))
    return failed_reads + failed_writes


def _throttled(demand_units: float, capacity_units: float, units_per_request: float) -> int:
    return math.ceil(max(0.0, demand_units - capacity_units) / units_per_request) if units_per_request else 0


def _latencies(s: Scenario, m: Minute, dynamo_ms: float, get_share: float, rng: random.Random) -> None:
    """Duration ⊂ IntegrationLatency ⊂ Latency ⊂ E2E, bin by bin; a bin's duration includes its DynamoDB call."""
    timeout_ms = s.timeout_s * 1000.0
    compute_ms = s.compute_ms * max(0.5, 1 + rng.gauss(0, 0.04))
    call_factor = get_share + PUT_FACTOR * (1 - get_share)

    def durations(grid: Grid, slower: float, extra_ms: float) -> list[tuple[float, float]]:
        return [
            (
                min(
                    timeout_ms, compute_ms * slower * math.exp(s.duration_sigma * z) + call_ms * call_factor + extra_ms
                ),
                w,
            )
            for (z, w), (call_ms, _) in zip(grid, lognormal(dynamo_ms, s.dynamodb_sigma, grid), strict=True)
        ]

    warm = [(d, w * (m.invocations - m.cold_starts)) for d, w in durations(BODY_GRID, 1.0, 0.0)]
    cold = [(d, w * m.cold_starts) for d, w in durations(TAIL_GRID, s.cold_duration_factor, s.cold_extra_ms)]
    inits = lognormal(s.init_duration_ms, 0.2, TAIL_GRID)
    integration = [(d + s.integration_overhead_ms, w) for d, w in warm]
    integration += [(d + s.integration_overhead_ms + i, w) for (d, w), (i, _) in zip(cold, inits, strict=True)]
    integration.append((s.integration_overhead_ms + 2.0, float(m.lambda_throttles)))
    fast = m.cache_hits + m.api_throttled
    latency = [(v + s.api_overhead_ms, w) for v, w in integration]
    latency += [(v, w * fast) for v, w in lognormal(s.api_overhead_ms, 0.3, TAIL_GRID)]

    m.duration = Distribution.from_points(warm + cold, m.invocations)
    if m.invocations:
        warm_cpu = compute_ms * math.exp(s.duration_sigma**2 / 2)
        cold_weight = m.cold_starts * s.cold_duration_factor
        m.cpu_ms = warm_cpu * (m.invocations - m.cold_starts + cold_weight) / m.invocations
    m.integration_latency = Distribution.from_points(integration, m.invocations + m.lambda_throttles)
    m.latency = Distribution.from_points(latency, m.requests)
    m.e2e_latency = Distribution.from_points(((v + s.client_network_ms, w) for v, w in latency), m.requests)
    m.init_duration = Distribution.from_points(inits, m.cold_starts)
    memory = [(min(float(s.memory_mb), v), w) for v, w in lognormal(s.memory_used_mb, 0.06, TAIL_GRID)]
    m.memory_used = Distribution.from_points(memory, m.invocations)
    m.query_latency = Distribution.from_points(lognormal(dynamo_ms, s.dynamodb_sigma), m.queries)
    m.put_latency = Distribution.from_points(lognormal(dynamo_ms * PUT_FACTOR, s.dynamodb_sigma), m.puts)
    all_ms = dynamo_ms * (m.queries + PUT_FACTOR * m.puts) / max(1, m.queries + m.puts)
    m.dynamodb_latency = Distribution.from_points(lognormal(all_ms, s.dynamodb_sigma), m.queries + m.puts)


def build_day(
    scenario: Scenario, start: datetime, qps: list[float], breaker: dict[int, BreakerMinute], seed: int
) -> list[Minute]:
    rng = random.Random(seed)
    quiet = BreakerMinute()
    return [
        build_minute(
            scenario,
            start + timedelta(minutes=i),
            qps[i],
            incident_intensity(scenario, i),
            breaker.get(i, quiet),
            rng,
        )
        for i in range(MINUTES)
    ]
