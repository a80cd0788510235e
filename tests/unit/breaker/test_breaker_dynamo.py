"""The DynamoDB store against the embedded AWS over HTTP, including two processes tripping one breaker at once."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from bot.aws.clients import reset_clients
from bot.bootstrap import bootstrap
from bot.breaker import (
    AdaptiveCircuitBreaker,
    BreakerState,
    BreakerStatus,
    BreakerStoreError,
    DynamoBreakerStore,
)
from bot.settings import load_settings
from devstack.aws import EmbeddedAws, start_aws

AWS_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}
FAILURES_PER_PROCESS = 25


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with start_aws(port=0) as server, pytest.MonkeyPatch.context() as mp:
        for name, value in {**AWS_ENV, "AWS_ENDPOINT_URL": server.endpoint_url}.items():
            mp.setenv(name, value)
        reset_clients()
        yield server
        reset_clients()


@pytest.fixture
def table(aws: EmbeddedAws) -> str:
    """perfbot's state table, created per test: moto's state is per process and other tests may reset it."""
    settings = load_settings()
    bootstrap(settings)
    return settings.tables.state


def test_round_trip_keeps_every_field(table: str) -> None:
    store = DynamoBreakerStore(table)
    status = BreakerStatus(
        key="round-trip",
        state=BreakerState.HALF_OPEN,
        failure_count=7,
        opened_at=1_700_000_000.25,
        tripped_at=1_699_999_990.5,
        half_open_at=1_700_000_060.25,
        recoveries=[12.5, 48.0],
        last_recovery_s=48.0,
        current_qps=42.7,
        adaptive_threshold=5,
        version=1,
    )
    assert store.save_if_version(status, 0)
    assert store.load("round-trip") == status
    item = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).get_item(
        TableName=table, Key={"pk": {"S": "breaker#round-trip"}, "sk": {"S": "state"}}
    )["Item"]
    assert item["failure_count"] == {"N": "7"}
    assert item["state"] == {"S": "HALF_OPEN"}


def test_stale_version_is_refused(table: str) -> None:
    store = DynamoBreakerStore(table)
    first = BreakerStatus(key="stale", version=1)
    assert store.save_if_version(first, 0)
    assert not store.save_if_version(first.model_copy(update={"version": 1}), 0)
    assert store.save_if_version(first.model_copy(update={"failure_count": 1, "version": 2}), 1)
    assert not store.save_if_version(first.model_copy(update={"failure_count": 9, "version": 2}), 1)
    loaded = store.load("stale")
    assert loaded is not None
    assert loaded.failure_count == 1


def test_list_all_and_missing_keys(table: str) -> None:
    store = DynamoBreakerStore(table)
    AdaptiveCircuitBreaker("listed", store).record_failure()
    assert "listed" in [s.key for s in store.list_all()]
    assert store.load("never-written") is None


def test_dynamodb_errors_are_wrapped_once(table: str) -> None:
    store = DynamoBreakerStore(table + "-missing")
    with pytest.raises(BreakerStoreError, match="reading breaker"):
        store.load("x")
    with pytest.raises(BreakerStoreError, match="writing breaker"):
        store.save_if_version(BreakerStatus(key="x", version=1), 0)


class CountingStore(DynamoBreakerStore):
    conflicts = 0

    def save_if_version(self, status: BreakerStatus, expected_version: int) -> bool:
        saved = super().save_if_version(status, expected_version)
        self.conflicts += not saved
        return saved


def trip_concurrently(endpoint: str, table: str, key: str, barrier: Any, results: Any) -> None:
    """One 'container': waits for the other, then records failures as fast as it can."""
    os.environ.update({**AWS_ENV, "AWS_ENDPOINT_URL": endpoint})
    store = CountingStore(table)
    breaker = AdaptiveCircuitBreaker(key, store)
    breaker.status()  # open the HTTP connection before the race starts
    barrier.wait(timeout=60)
    opened_here = []
    for _ in range(FAILURES_PER_PROCESS):
        status = breaker.record_failure()
        if status.state is BreakerState.OPEN and status.failure_count == status.effective_threshold:
            opened_here.append(status.opened_at)
    results.put((opened_here, store.conflicts))


def test_two_processes_tripping_at_once_end_in_one_consistent_state(table: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    workers = [
        ctx.Process(target=trip_concurrently, args=(endpoint, table, "shared", barrier, results)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=90) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0

    final = DynamoBreakerStore(table).load("shared")
    assert final is not None
    assert final.failure_count == 2 * FAILURES_PER_PROCESS  # no lost update
    assert final.version == 2 * FAILURES_PER_PROCESS  # every write landed exactly once
    assert final.state is BreakerState.OPEN
    assert final.trips == 1
    openings = [opened_at for opened, _ in outcomes for opened_at in opened]
    assert openings == [final.opened_at]  # exactly one process performed the CLOSED → OPEN transition
    assert sum(conflicts for _, conflicts in outcomes) > 0, "the processes never collided; the test proves nothing"
