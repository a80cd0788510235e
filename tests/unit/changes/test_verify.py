"""Which metric verifies which change, and how before/after windows are judged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.aws.cloudwatch import Series
from bot.changes.verify import measure, metrics_for
from bot.settings import load_settings
from tests.support.change_factories import proposal

APPLIED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class FakeCloudWatch:
    def __init__(self, before: list[float], after: list[float]) -> None:
        self.before, self.after = before, after

    def get_metric_data(self, queries: list[object], start: datetime, end: datetime) -> dict[str, Series]:
        times = [APPLIED - timedelta(minutes=len(self.before) - i) for i in range(len(self.before))]
        times += [APPLIED + timedelta(minutes=i) for i in range(len(self.after))]
        return {"m0": Series("m0", "", times, self.before + self.after)}


def test_each_kind_is_verified_on_the_layer_it_touches() -> None:
    settings = load_settings({})
    pc = proposal(kind="lambda_provisioned_concurrency", target="monitoring-api-dev:live")
    assert [(q.namespace, q.metric, q.dimensions) for q in metrics_for(pc, settings)] == [
        ("AWS/Lambda", "Duration", (("FunctionName", "monitoring-api-dev"),))
    ]
    cache = proposal(kind="apigw_cache", target="monitoring-api/dev")
    assert metrics_for(cache, settings)[0].dimensions == (("ApiName", "monitoring-api"),)
    breaker = proposal(kind="breaker_thresholds", target="monitoring-api")
    assert metrics_for(breaker, settings)[0].metric == "Latency"
    table = proposal(kind="dynamodb_capacity", target="ApplicationMetrics-dev")
    queries = metrics_for(table, settings)
    assert all(("TableName", "ApplicationMetrics-dev") in q.dimensions for q in queries)
    assert all(q.stat == "Average" for q in queries)  # DynamoDB vends no percentiles of its latency


def test_regression_is_more_than_20_percent_worse() -> None:
    settings = load_settings({})
    p = proposal(state="applied", applied_at=APPLIED.isoformat())
    worse = measure(p, settings, FakeCloudWatch([800] * 15, [1000] * 15))  # type: ignore[arg-type]
    assert worse.regression and "+25 %" in worse.summary
    slightly = measure(p, settings, FakeCloudWatch([800] * 15, [900] * 15))  # type: ignore[arg-type]
    assert not slightly.regression
    spike = measure(p, settings, FakeCloudWatch([800] * 15, [5000, *[600] * 14]))  # type: ignore[arg-type]
    assert not spike.regression and "better" in spike.summary
    empty = measure(p, settings, FakeCloudWatch([800] * 15, []))  # type: ignore[arg-type]
    assert not empty.regression and "not enough" in empty.summary


def test_a_dynamodb_verification_names_its_statistic() -> None:
    settings = load_settings({})
    table = proposal(
        kind="dynamodb_capacity", target="ApplicationMetrics-dev", state="applied", applied_at=APPLIED.isoformat()
    )
    result = measure(table, settings, FakeCloudWatch([12] * 15, [9] * 15))  # type: ignore[arg-type]
    assert (result.stat, result.audit_key) == ("average", "average_ms") and "average" in result.metric
    fake = FakeCloudWatch([8] * 15, [6] * 15)
    lambda_change = measure(proposal(state="applied", applied_at=APPLIED.isoformat()), settings, fake)  # type: ignore[arg-type]
    assert lambda_change.audit_key == "p95_ms"
