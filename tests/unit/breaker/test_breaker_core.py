"""Every transition of the breaker, the adaptive rule's boundaries and recovery timing (in-memory store)."""

from __future__ import annotations

import pytest

from bot.breaker import (
    AdaptiveCircuitBreaker,
    BreakerState,
    CircuitOpenError,
    InMemoryBreakerStore,
    adaptive_threshold,
)


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> AdaptiveCircuitBreaker:
    return AdaptiveCircuitBreaker("orders", InMemoryBreakerStore(), clock=clock)


def trip(breaker: AdaptiveCircuitBreaker, failures: int = 5) -> None:
    for _ in range(failures):
        breaker.record_failure()


def test_new_breaker_is_closed_with_the_seed_defaults(breaker: AdaptiveCircuitBreaker) -> None:
    status = breaker.status()
    assert status.state is BreakerState.CLOSED
    assert (status.failure_threshold, status.open_timeout_s, status.half_open_success_threshold) == (5, 60, 3)
    assert status.version == 0
    assert breaker.allow_request()


def test_closed_opens_at_the_threshold(breaker: AdaptiveCircuitBreaker, clock: FakeClock) -> None:
    trip(breaker, 4)
    assert breaker.status().state is BreakerState.CLOSED
    assert breaker.status().failure_count == 4
    breaker.record_failure()
    status = breaker.status()
    assert status.state is BreakerState.OPEN
    assert status.opened_at == clock.now
    assert status.half_open_at == clock.now + 60
    assert status.trips == 1
    assert not breaker.allow_request()


def test_success_while_closed_resets_consecutive_failures(breaker: AdaptiveCircuitBreaker) -> None:
    trip(breaker, 4)
    breaker.record_success()
    trip(breaker, 4)
    assert breaker.status().state is BreakerState.CLOSED


def test_healthy_calls_do_not_write(breaker: AdaptiveCircuitBreaker) -> None:
    breaker.record_success()
    first = breaker.status().version
    for _ in range(10):
        assert breaker.allow_request()
        breaker.record_success()
    assert breaker.status().version == first


def test_open_becomes_half_open_after_the_timeout(breaker: AdaptiveCircuitBreaker, clock: FakeClock) -> None:
    trip(breaker)
    clock.advance(59.9)
    assert not breaker.allow_request()
    clock.advance(0.1)
    assert breaker.allow_request()
    assert breaker.status().state is BreakerState.HALF_OPEN


def test_half_open_closes_after_enough_successes_and_records_recovery(
    breaker: AdaptiveCircuitBreaker, clock: FakeClock
) -> None:
    trip(breaker)
    clock.advance(60)
    assert breaker.allow_request()
    breaker.record_success()
    breaker.record_success()
    assert breaker.status().state is BreakerState.HALF_OPEN
    assert breaker.status().half_open_successes == 2
    clock.advance(2)
    status = breaker.record_success()
    assert status.state is BreakerState.CLOSED
    assert status.failure_count == 0
    assert status.opened_at is None
    assert status.last_recovery_s == 62
    assert status.recoveries == [62]


def test_half_open_failure_reopens_and_recovery_counts_from_the_first_trip(
    breaker: AdaptiveCircuitBreaker, clock: FakeClock
) -> None:
    trip(breaker)
    first_open = clock.now
    clock.advance(60)
    assert breaker.allow_request()
    breaker.record_success()
    clock.advance(1)
    status = breaker.record_failure()
    assert status.state is BreakerState.OPEN
    assert status.opened_at == clock.now
    assert status.half_open_successes == 0
    assert status.trips == 2
    assert not breaker.allow_request()
    clock.advance(60)
    assert breaker.allow_request()
    for _ in range(3):
        status = breaker.record_success()
    assert status.state is BreakerState.CLOSED
    assert status.last_recovery_s == clock.now - first_open


def test_late_results_while_open_are_counted_but_do_not_change_the_episode(
    breaker: AdaptiveCircuitBreaker, clock: FakeClock
) -> None:
    trip(breaker)
    opened_at = breaker.status().opened_at
    clock.advance(5)
    breaker.record_failure()
    breaker.record_success()
    status = breaker.status()
    assert (status.state, status.failure_count, status.opened_at, status.trips) == (
        BreakerState.OPEN,
        6,
        opened_at,
        1,
    )


def test_recoveries_are_capped(breaker: AdaptiveCircuitBreaker, clock: FakeClock) -> None:
    for episode in range(25):
        trip(breaker)
        clock.advance(60 + episode)
        assert breaker.allow_request()
        for _ in range(3):
            breaker.record_success()
    status = breaker.status()
    assert len(status.recoveries) == 20
    assert status.recoveries[-1] == 84
    assert status.last_recovery_s == 84


def test_call_passes_results_counts_exceptions_and_refuses_when_open(breaker: AdaptiveCircuitBreaker) -> None:
    def add(x: int, y: int = 1) -> int:
        return x + y

    assert breaker.call(add, 1, y=2) == 3

    def boom() -> None:
        raise TimeoutError("downstream")

    for _ in range(5):
        with pytest.raises(TimeoutError):
            breaker.call(boom)
    with pytest.raises(CircuitOpenError) as excinfo:
        breaker.call(lambda: "never")
    assert excinfo.value.status.state is BreakerState.OPEN


@pytest.mark.parametrize(
    ("qps", "expected"),
    [(0, 3), (9.99, 3), (10, 5), (50, 5), (100, 5), (100.01, 10), (5000, 10)],
)
def test_adaptive_threshold_boundaries(qps: float, expected: int) -> None:
    assert adaptive_threshold(qps) == expected


def test_traffic_adjusts_the_effective_threshold(breaker: AdaptiveCircuitBreaker) -> None:
    status = breaker.adjust_thresholds_based_on_traffic(150.0)
    assert (status.current_qps, status.adaptive_threshold, status.effective_threshold) == (150.0, 10, 10)
    assert status.failure_threshold == 5  # the configured value stays visible for analysis
    trip(breaker, 9)
    assert breaker.status().state is BreakerState.CLOSED
    breaker.record_failure()
    assert breaker.status().state is BreakerState.OPEN

    quiet = AdaptiveCircuitBreaker("quiet", InMemoryBreakerStore())
    quiet.adjust_thresholds_based_on_traffic(2)
    trip(quiet, 3)
    assert quiet.status().state is BreakerState.OPEN


def test_stored_thresholds_win_over_constructor_defaults(clock: FakeClock) -> None:
    store = InMemoryBreakerStore()
    AdaptiveCircuitBreaker("svc", store, clock=clock).set_thresholds(failure_threshold=2, open_timeout_s=30)
    other = AdaptiveCircuitBreaker("svc", store, failure_threshold=50, clock=clock)
    trip(other, 2)
    assert other.status().state is BreakerState.OPEN
    assert other.status().half_open_at == clock.now + 30


def test_versions_increase_on_every_write(breaker: AdaptiveCircuitBreaker) -> None:
    versions = [breaker.record_failure().version for _ in range(3)]
    assert versions == [1, 2, 3]


def test_invalid_configuration_is_rejected() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        AdaptiveCircuitBreaker("x", InMemoryBreakerStore(), failure_threshold=0)
    with pytest.raises(ValueError, match="QPS"):
        AdaptiveCircuitBreaker("x", InMemoryBreakerStore()).adjust_thresholds_based_on_traffic(-1)
