"""The simulator's pure parts: distributions, the minute model's consistency, batching, the breaker story."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.breaker import BreakerState, InMemoryBreakerStore
from devstack.simulator import SCENARIOS, get_scenario
from devstack.simulator.breaker_story import run_breaker_story
from devstack.simulator.distribution import MAX_VALUES, Distribution, lognormal
from devstack.simulator.metrics import (
    MAX_BYTES_PER_CALL,
    MAX_DATUMS_PER_CALL,
    MetricNames,
    batches,
    entry_size,
    minute_metrics,
)
from devstack.simulator.scenarios import DEFAULT, HEALTHY, BreakerBlip, Scenario
from devstack.simulator.traffic import MINUTES, BreakerMinute, Minute, build_day, build_minute, qps_series

START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
NAMES = MetricNames("monitoring-api", "dev", "monitoring-api-dev", "live", "ApplicationMetrics-dev", "dev")


@pytest.fixture(scope="module")
def day() -> list[Minute]:
    qps = qps_series(DEFAULT, START, random.Random(1))
    return build_day(DEFAULT, START, qps, {}, seed=2)


def dist(distribution: Distribution | None) -> Distribution:
    assert distribution is not None
    return distribution


def minute(scenario: Scenario = DEFAULT, qps: float = 50.0) -> Minute:
    return build_minute(scenario, START, qps, 0.0, BreakerMinute(), random.Random(3))


def test_distribution_counts_sum_to_the_population() -> None:
    d = Distribution.from_points(lognormal(40, 0.4), 1234)
    assert d is not None
    assert d.total == 1234
    assert len(d.values) <= MAX_VALUES
    assert list(d.values) == sorted(d.values)
    assert d.percentile(50) == pytest.approx(40, rel=0.01)
    assert d.percentile(95) == pytest.approx(40 * 1.93, rel=0.02)  # exp(1.645 × 0.4)
    assert Distribution.from_points(lognormal(40, 0.4), 0) is None


def test_percentile_is_nearest_rank() -> None:
    d = Distribution((1.0, 2.0, 3.0), (90, 5, 5))
    assert (d.percentile(90), d.percentile(91), d.percentile(95), d.percentile(96)) == (1.0, 2.0, 2.0, 3.0)


def test_traffic_follows_the_daily_shape_and_is_reproducible() -> None:
    qps = qps_series(DEFAULT, START, random.Random(7))
    assert qps == qps_series(DEFAULT, START, random.Random(7))
    peak = qps[(14 - 12) * 60]  # 14:00 UTC
    trough = qps[(26 - 12) * 60]  # 02:00 UTC
    assert peak > 0.8 * DEFAULT.peak_qps
    assert trough < 2 * DEFAULT.trough_qps


def test_every_minute_is_internally_consistent(day: list[Minute]) -> None:
    for m in day:
        assert m.invocations + m.lambda_throttles + m.cache_hits + m.api_throttled == m.requests
        assert 0 <= m.errors_5xx + m.errors_4xx <= m.requests
        assert dist(m.latency).total == m.requests
        assert dist(m.duration).total == m.invocations
        assert m.cold_starts <= m.invocations
        assert m.queries + m.puts <= m.invocations
        for p in (50, 95, 99):
            assert dist(m.e2e_latency).percentile(p) >= dist(m.latency).percentile(p) >= dist(m.duration).percentile(p)
            assert dist(m.duration).percentile(p) >= dist(m.query_latency).percentile(p)


def test_the_incident_slows_the_last_minutes_and_adds_5xx(day: list[Minute]) -> None:
    quiet, last = day[-120], day[-1]
    assert last.incident == 1.0
    assert quiet.incident == 0.0
    assert dist(last.latency).percentile(95) > 500 > 100 > dist(quiet.latency).percentile(95)
    assert last.errors_5xx / last.requests > 0.01 > quiet.errors_5xx / quiet.requests
    assert HEALTHY.incident is False


def test_knobs_show_up_in_the_metrics() -> None:
    cached = minute(replace(HEALTHY, cache_enabled=True, cacheable_get_share=0.5))
    assert cached.cache_hits > 0
    assert cached.invocations < cached.requests
    throttled_api = minute(replace(HEALTHY, throttle_rate_limit=40), qps=50)
    assert throttled_api.api_throttled == 600
    assert throttled_api.errors_4xx >= 600
    reserved = minute(replace(HEALTHY, reserved_concurrency=1, compute_ms=400), qps=50)
    assert reserved.lambda_throttles > 0
    assert reserved.errors_5xx >= reserved.lambda_throttles
    hot = minute(replace(HEALTHY, provisioned_rcu=5), qps=50)
    assert hot.read_throttles > 0
    assert hot.read_units <= 5 * 60
    warm = minute(replace(HEALTHY, cold_start_share=0.2, provisioned_concurrency=100), qps=50)
    assert warm.cold_starts == 0
    assert warm.provisioned_utilization is not None
    cold = minute(replace(HEALTHY, cold_start_share=0.2), qps=50)
    assert cold.cold_starts > 0
    assert dist(cold.duration).percentile(99) > dist(warm.duration).percentile(99)


def test_metric_entries_stay_within_putmetricdata_limits(day: list[Minute]) -> None:
    entries = [entry for m in day[:300] for _, entry in minute_metrics(NAMES, DEFAULT, m)]
    assert all(len(e.get("Values", ())) <= MAX_VALUES for e in entries)
    chunks = list(batches(entries))
    assert sum(len(c) for c in chunks) == len(entries)
    for chunk in chunks:
        assert len(chunk) <= MAX_DATUMS_PER_CALL
        assert sum(entry_size(e) for e in chunk) <= MAX_BYTES_PER_CALL


def test_counters_are_statistic_sets_like_aws() -> None:
    m = minute(qps=10)
    entries = {(e["MetricName"], len(e["Dimensions"])): e for _, e in minute_metrics(NAMES, DEFAULT, m)}
    count = entries[("Count", 1)]["StatisticValues"]
    assert count["SampleCount"] == count["Sum"] == m.requests
    errors = entries[("5XXError", 1)]
    assert errors.get("StatisticValues", {}).get("SampleCount", m.requests) == m.requests
    assert "Values" in entries[("Latency", 1)]


def test_breaker_story_recovers_from_blips_and_is_open_at_the_end() -> None:
    store = InMemoryBreakerStore()
    start = START.timestamp()
    qps = [50.0] * MINUTES
    scenario = replace(DEFAULT, breaker_blips=(BreakerBlip(20, 0), BreakerBlip(5, 2)))
    story = run_breaker_story(scenario, "svc", store, start, qps, seed=1)
    status = story.status
    assert status.state in (BreakerState.OPEN, BreakerState.HALF_OPEN)
    assert len(status.recoveries) == 2
    assert 60 <= status.recoveries[0] < 70
    assert 180 <= status.recoveries[1] < 200  # two failed trials: three timeouts
    assert store.load("svc") == status
    assert story.events[0].to_state is BreakerState.OPEN
    assert story.events[0].at == pytest.approx(start + 4 * 3600, abs=5)
    incident_minute = MINUTES - DEFAULT.incident_minutes + int(DEFAULT.incident_breaker_delay_min)
    assert story.minutes[incident_minute].failures >= 5
    assert story.minutes[MINUTES - 5].open_share > 0.9


def test_healthy_breaker_never_trips() -> None:
    story = run_breaker_story(HEALTHY, "svc", InMemoryBreakerStore(), START.timestamp(), [50.0] * MINUTES, seed=1)
    assert story.status.state is BreakerState.CLOSED
    assert story.events == []
    assert story.status.adaptive_threshold == 5


def test_scenario_registry() -> None:
    assert {"default", "healthy"} <= set(SCENARIOS)
    assert get_scenario("default") is DEFAULT
    with pytest.raises(ValueError, match="unknown scenario"):
        get_scenario("nope")
    assert START + timedelta(minutes=MINUTES) == START + timedelta(days=1)
