"""The monitored service's configuration model: what a perfbot change does to it (no timing: injected clocks)."""

from __future__ import annotations

import pytest

from devstack.service.metrics import MAX_VALUES, values_counts
from devstack.service.model import BURST_SECONDS, Capacity, Containers, Throttled, compute_ms, dynamodb_ms, init_ms


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_more_memory_computes_faster_up_to_a_full_vcpu() -> None:
    assert compute_ms(256) == pytest.approx(4 * compute_ms(1024))
    assert compute_ms(1769) == compute_ms(3008)  # one full vCPU; more memory buys no more single-thread CPU
    assert init_ms(512) > init_ms(1024)


def test_provisioned_containers_never_start_cold_and_idle_ones_are_reused() -> None:
    clock = Clock()
    containers = Containers(clock=clock)
    assert containers.acquire(provisioned=1) == (False, 1)
    assert containers.acquire(provisioned=1) == (True, 2)  # beyond provisioned, no idle container: cold
    containers.release(provisioned=1)
    containers.release(provisioned=1)
    assert containers.acquire(provisioned=1) == (False, 1)
    assert containers.acquire(provisioned=1) == (False, 2)  # the on-demand one released above is warm
    containers.release(provisioned=1)
    containers.release(provisioned=1)
    clock.now = 3600  # idle for an hour: reclaimed
    containers.acquire(provisioned=1)
    assert containers.acquire(provisioned=1)[0] is True


def test_writes_beyond_the_capacity_are_throttled_until_it_refills() -> None:
    clock = Clock()
    capacity = Capacity(clock=clock)
    for _ in range(int(10 * BURST_SECONDS)):
        capacity.consume("PutItem", 1, 10)
    with pytest.raises(Throttled):
        capacity.consume("PutItem", 1, 10)
    clock.now = 1.0  # a second later, ten more units
    assert capacity.consume("PutItem", 10, 10) == pytest.approx(1.0)
    assert capacity.consume("Query", 1, 10) < 0.1  # reads have their own capacity


def test_dynamodb_latency_grows_with_utilization() -> None:
    assert dynamodb_ms("Query", 0.0) < dynamodb_ms("Query", 0.5) < dynamodb_ms("Query", 1.0)


def test_latency_samples_fit_put_metric_data() -> None:
    datum = values_counts([i / 7 for i in range(5000)])
    assert len(datum["Values"]) <= MAX_VALUES and sum(datum["Counts"]) == 5000
