"""Scenarios: every knob of the simulated service, so each analysis rule can be shown a day that triggers it.

A scenario describes the service's configuration (what the resources are set to) and its behaviour (what the
metrics show). Variants are built with ``dataclasses.replace`` from the seed service so they differ only where
the story needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class BreakerBlip:
    """A short dependency hiccup earlier in the day: the breaker trips and recovers.

    ``failed_trials`` half-open trials fail before the dependency is back, so recovery takes about
    ``(failed_trials + 1) × open_timeout_s``.
    """

    hours_ago: float
    failed_trials: int = 0


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    seed: int = 20241201  # random.Random seed: the same scenario and `now` give the same day
    # Traffic: a daily sinusoid between trough and peak, multiplicative noise per minute.
    peak_qps: float = 60.0
    trough_qps: float = 6.0
    peak_hour_utc: float = 14.0
    traffic_noise: float = 0.06
    traffic_shape: str = "daily"  # "daily" sinusoid, "steady" (flat at peak_qps) or "bursty" (trough, short peaks)
    get_share: float = 0.7  # GET /metrics (a DynamoDB Query) vs POST /metrics (a PutItem)
    cacheable_get_share: float = 0.3  # GETs repeating a recent identical request (what a cache would serve)
    # API Gateway stage configuration and behaviour.
    cache_enabled: bool = False
    cache_cluster_size: str = "0.5"
    cache_ttl_s: int = 300
    throttle_rate_limit: float = 1000.0
    throttle_burst_limit: int = 2000
    api_overhead_ms: float = 6.0  # Latency − IntegrationLatency
    integration_overhead_ms: float = 4.0  # IntegrationLatency − Lambda Duration
    client_network_ms: float = 25.0  # E2ELatency − Latency
    error_4xx_rate: float = 0.012
    error_5xx_rate: float = 0.0002
    # Lambda configuration and behaviour.
    architecture: str = "arm64"  # or "x86_64": priced differently, identical behaviour
    insights: bool = True  # Lambda Insights on: memory, CPU time, init duration and cold starts are measured
    alias_on_latest: bool = False  # the alias points at $LATEST (provisioned concurrency impossible)
    memory_mb: int = 1024
    timeout_s: int = 30
    compute_ms: float = 28.0  # median CPU work per invocation at memory_mb (the DynamoDB call comes on top)
    duration_sigma: float = 0.35  # lognormal spread of warm durations
    memory_used_mb: float = 190.0  # peak memory of an invocation (Lambda Insights used_memory_max)
    cold_start_share: float = 0.004  # share of invocations that start a new execution environment
    init_duration_ms: float = 420.0
    cold_duration_factor: float = 1.6  # the first invocation in a new environment computes slower…
    cold_extra_ms: float = 150.0  # …and pays one-off work on top: SDK clients, TLS handshakes, lazy imports
    reserved_concurrency: int | None = None
    provisioned_concurrency: int = 0  # on the alias; covers cold starts up to this concurrency
    # DynamoDB table configuration and behaviour.
    table_on_demand: bool = False  # PAY_PER_REQUEST: no capacity to throttle on, billed per request
    hot_key_share: float = 0.0  # share of reads on one partition key: throttles while the table is mostly idle
    contributor_insights: bool = False  # Contributor Insights for DynamoDB on the table: it names the hot keys
    provisioned_rcu: int = 50
    provisioned_wcu: int = 25
    read_units_per_get: float = 0.5  # eventually consistent Query of a few KB
    write_units_per_post: float = 1.0
    dynamodb_latency_ms: float = 7.0  # median SuccessfulRequestLatency
    dynamodb_sigma: float = 0.45
    dynamodb_throttle_share: float = 0.0  # throttles beyond what the capacity arithmetic already causes
    # Circuit breaker (wraps the DynamoDB calls).
    breaker_failure_threshold: int = 5
    breaker_open_timeout_s: float = 60.0
    breaker_half_open_successes: int = 3
    breaker_adaptive: bool = True  # the service calls adjust_thresholds_based_on_traffic
    breaker_blips: tuple[BreakerBlip, ...] = (BreakerBlip(15.4, 0), BreakerBlip(6.2, 1))
    # The incident in the last hour: DynamoDB slows down, Lambda and API latency follow, 5XX burst.
    incident: bool = True
    incident_minutes: int = 40
    incident_ramp_minutes: int = 5
    incident_dynamodb_factor: float = 50.0
    incident_5xx_rate: float = 0.03
    incident_breaker_delay_min: float = 8.0  # minutes into the incident when the breaker trips
    # Days of traffic in all (the last minute by minute, the ones before hour by hour): 14 gives a usage pattern.
    usage_days: int = 1


DEFAULT = Scenario(
    name="default",
    description=(
        "The seed's monitoring-api: a normal day with four times the read capacity it uses, then DynamoDB slows down "
        "in the last 40 minutes."
    ),
    provisioned_rcu=200,  # the steady-state finding: the incident hour alone is no reason to tune anything
)

HEALTHY = replace(
    DEFAULT,
    name="healthy",
    description="The seed's monitoring-api on a quiet, healthy day: no incident, the breaker never tripped.",
    incident=False,
    breaker_blips=(),
    provisioned_rcu=50,
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (DEFAULT, HEALTHY)}


def get_scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(sorted(SCENARIOS))}") from None
