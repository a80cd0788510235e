"""The one-call query plan: every window is exact because every period divides the span ending at `end`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.aws.cloudwatch import MAX_QUERIES_PER_CALL
from bot.reports.common import WINDOWS
from bot.reports.sla import calls, plan_sla
from bot.settings import Service

NOW = datetime(2026, 11, 26, 19, 7, 42, tzinfo=UTC)


@pytest.mark.parametrize(("window", "span_days"), [("1h", 30), ("24h", 30), ("7d", 35), ("30d", 30)])
def test_span_is_whole_windows_and_at_least_the_budget(settings: Any, window: str, span_days: int) -> None:
    plan = plan_sla(settings, list(settings.services), window, NOW)
    span = (plan.end - plan.start).total_seconds()
    assert plan.end - plan.start == timedelta(days=span_days)
    assert plan.start.timestamp() % 300 == 0  # never re-rounded by CloudWatch
    for query in plan.queries:
        assert span % query.period == 0, query  # the last bucket of every query ends exactly at `end`
    percentiles = [q for q in plan.queries if q.stat.startswith("p")]
    assert percentiles and all(q.period == WINDOWS[window] for q in percentiles)
    assert all(q.period == 3600 and q.stat == "Sum" for q in plan.queries if q.stat == "Sum")


def test_one_plan_carries_every_service(settings: Any) -> None:
    services = [
        Service.model_validate(
            {
                "name": f"svc{n}",
                "api": {"name": f"api{n}", "stage": "dev"},
                "lambda_functions": [{"name": f"fn{n}a"}, {"name": f"fn{n}b"}],
                "dynamodb_tables": [{"name": f"t{n}"}],
            }
        )
        for n in range(30)
    ]
    plan = plan_sla(settings, services, "24h", NOW)
    assert len(plan.queries) == 30 * 15 <= MAX_QUERIES_PER_CALL  # 7, and 4 cold-start queries a function
    assert len({q.id for q in plan.queries}) == len(plan.queries)
    assert {d for q in plan.queries for d in q.dimensions} >= {("ApiName", "api29"), ("FunctionName", "fn29b")}
    assert len(calls(plan)) == 1  # 30 × (3 × 720 hourly sums + 12 daily × 30) datapoints fit one answer


def test_beyond_one_answer_the_plan_splits_instead_of_paging(settings: Any) -> None:
    services = [
        Service.model_validate({"name": f"svc{n}", "api": {"name": f"api{n}", "stage": "dev"}}) for n in range(60)
    ]
    plan = plan_sla(settings, services, "1h", NOW)  # 60 × 4 queries × 720 hourly points = 172,800 datapoints
    batches = calls(plan)
    assert len(batches) == 2 and sum(len(b) for b in batches) == len(plan.queries)
    assert all(sum(720 for _ in b) <= 100_800 for b in batches)


def test_latency_percentile_other_than_p95_adds_its_own_query(settings: Any) -> None:
    slo = settings.slo.model_copy(update={"latency_percentile": "p99"})
    service = settings.services[0].model_copy(update={"slo": slo})
    plan = plan_sla(settings, [service], "24h", NOW)
    stats = sorted(q.stat for q in plan.queries if q.metric == "Latency")
    assert stats == ["p95", "p99"]
