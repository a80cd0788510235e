"""The day's circuit-breaker history, produced by the real breaker library against the real state table.

The breaker runs on a simulated clock, so its stored record (recoveries, opened_at, version…) is exactly what a
monitored service would have left behind; the transitions also shape the metrics (failures become 5XX, OPEN
minutes lower CircuitBreakerEfficiency).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.breaker import AdaptiveCircuitBreaker, BreakerState, BreakerStatus, BreakerStore
from bot.breaker.store import PK_PREFIX, SK
from devstack.simulator.scenarios import Scenario
from devstack.simulator.traffic import MINUTES, BreakerMinute


@dataclass(frozen=True)
class BreakerEvent:
    at: float
    from_state: BreakerState
    to_state: BreakerState
    failure_count: int


@dataclass
class BreakerStory:
    status: BreakerStatus
    events: list[BreakerEvent] = field(default_factory=list)
    minutes: dict[int, BreakerMinute] = field(default_factory=dict)


class SimulatedClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _Recorder:
    """Runs breaker operations on the simulated clock and logs every state change they cause."""

    def __init__(self, breaker: AdaptiveCircuitBreaker, clock: SimulatedClock) -> None:
        self.breaker, self.clock = breaker, clock
        self.status = breaker.status()
        self.state = self.status.state
        self.events: list[BreakerEvent] = []
        self.failures_at: list[float] = []

    def step(self, operation: Callable[[], BreakerStatus]) -> BreakerStatus:
        return self._observe(operation())

    def allow(self) -> BreakerStatus:
        """allow_request() answers a bool; the state it leaves is read back only when it changed something."""
        allowed = self.breaker.allow_request()
        changed = allowed and self.state is BreakerState.OPEN
        return self._observe(self.breaker.status()) if changed else self.status

    def _observe(self, status: BreakerStatus) -> BreakerStatus:
        if status.state is not self.state:
            self.events.append(BreakerEvent(self.clock.now, self.state, status.state, status.failure_count))
            self.state = status.state
        self.status = status
        return status

    def fail(self) -> BreakerStatus:
        self.failures_at.append(self.clock.now)
        return self.step(self.breaker.record_failure)


def reset_breaker(dynamodb: Any, table: str, key: str) -> None:
    """Forget the previous run's record so re-running the simulation ends in the same state."""
    dynamodb.delete_item(TableName=table, Key={"pk": {"S": PK_PREFIX + key}, "sk": {"S": SK}})


def run_breaker_story(
    scenario: Scenario, key: str, store: BreakerStore, start: float, qps: list[float], seed: int
) -> BreakerStory:
    """Trip and recover for each blip, then trip in the incident and keep failing trials until ``end``."""
    end = start + MINUTES * 60
    rng = random.Random(seed)
    clock = SimulatedClock(start)
    breaker = AdaptiveCircuitBreaker(
        key,
        store,
        failure_threshold=scenario.breaker_failure_threshold,
        open_timeout_s=scenario.breaker_open_timeout_s,
        half_open_success_threshold=scenario.breaker_half_open_successes,
        clock=clock,
    )
    recorder = _Recorder(breaker, clock)

    def qps_at(t: float) -> float:
        return qps[min(MINUTES - 1, max(0, int((t - start) // 60)))]

    def episode(trip_at: float, failed_trials: int, recover: bool) -> None:
        clock.now = trip_at
        if scenario.breaker_adaptive:
            recorder.step(lambda: breaker.adjust_thresholds_based_on_traffic(qps_at(trip_at)))
        status = recorder.status
        while status.state is BreakerState.CLOSED:
            clock.now += rng.uniform(0.05, 0.5)
            status = recorder.fail()
        trials = 0
        while status.half_open_at is not None:
            clock.now = status.half_open_at + rng.uniform(0.1, 2.0)  # the next request after the timeout
            if clock.now >= end:
                return
            status = recorder.allow()
            if recover and trials >= failed_trials:
                for _ in range(status.half_open_success_threshold):
                    clock.now += rng.uniform(0.1, 0.6)
                    status = recorder.step(breaker.record_success)
                return
            clock.now += rng.uniform(0.05, 0.4)
            status = recorder.fail()
            trials += 1

    incident_start = end - scenario.incident_minutes * 60 if scenario.incident else end
    for blip in sorted(scenario.breaker_blips, key=lambda b: -b.hours_ago):
        trip_at = end - blip.hours_ago * 3600
        if start <= trip_at < incident_start:
            episode(trip_at, blip.failed_trials, recover=True)
    trip_at = incident_start + scenario.incident_breaker_delay_min * 60
    if scenario.incident and trip_at < end:
        episode(trip_at, 0, recover=False)
    clock.now = max(clock.now, end - 1)
    if scenario.breaker_adaptive:
        recorder.step(lambda: breaker.adjust_thresholds_based_on_traffic(qps[-1]))
    status = breaker.status()
    return BreakerStory(status, recorder.events, _per_minute(recorder, start, end))


def _per_minute(recorder: _Recorder, start: float, end: float) -> dict[int, BreakerMinute]:
    """Failures per minute and the share of each minute spent OPEN."""
    failures: dict[int, int] = {}
    for at in recorder.failures_at:
        index = int((at - start) // 60)
        failures[index] = failures.get(index, 0) + 1
    open_share: dict[int, float] = {}
    opened: float | None = None
    for event in [*recorder.events, BreakerEvent(end, BreakerState.OPEN, BreakerState.CLOSED, 0)]:
        if opened is not None and event.from_state is BreakerState.OPEN:
            _spread(open_share, opened, event.at, start)
            opened = None
        if event.to_state is BreakerState.OPEN:
            opened = event.at
    return {
        i: BreakerMinute(round(open_share.get(i, 0.0), 4), failures.get(i, 0))
        for i in sorted(set(failures) | set(open_share))
        if 0 <= i < MINUTES
    }


def _spread(shares: dict[int, float], begin: float, finish: float, start: float) -> None:
    t = begin
    while t < finish:
        index = int((t - start) // 60)
        boundary = start + (index + 1) * 60
        chunk = min(boundary, finish) - t
        shares[index] = min(1.0, shares.get(index, 0.0) + chunk / 60)
        t = min(boundary, finish)
