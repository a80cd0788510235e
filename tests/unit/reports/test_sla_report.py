"""The SLA report from canned CloudWatch answers: one call, missing numbers said out loud, budget and burn maths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.aws.clients import AwsError
from bot.aws.cloudwatch import Series
from bot.breaker import AdaptiveCircuitBreaker, InMemoryBreakerStore
from bot.reports.budget import budget, burn, multi_window
from bot.reports.common import Mark
from bot.reports.sla import build_sla_report
from tests.unit.reports.conftest import FakeCloudWatch

NOW = datetime(2026, 11, 26, 19, 7, 42, tzinfo=UTC)
END = datetime(2026, 11, 26, 19, 5, tzinfo=UTC)


def hourly(values_by_hours_ago: dict[int, float]) -> list[tuple[datetime, float]]:
    return [(END - timedelta(hours=h), v) for h, v in sorted(values_by_hours_ago.items(), reverse=True)]


def series(qid: str, points: list[tuple[datetime, float]], complete: bool = True) -> Series:
    return Series(
        id=qid, label=qid, timestamps=[t for t, _ in points], values=[v for _, v in points], complete=complete
    )


def answers(**overrides: Series) -> dict[str, Series]:
    base = {
        "s0_count": series("s0_count", hourly({1: 1000, 3: 2000, 30: 5000})),
        "s0_e5": series("s0_e5", hourly({1: 2, 3: 1, 30: 4})),
        "s0_e4": series("s0_e4", hourly({1: 10})),
        "s0_lat0": series("s0_lat0", [(END - timedelta(hours=24), 95.0)]),
        "s0_fn0": series("s0_fn0", [(END - timedelta(hours=24), 900.0)]),
        "s0_tb0_0": series("s0_tb0_0", [(END - timedelta(hours=24), 12.0)]),
        "s0_tb0_1": series("s0_tb0_1", [(END - timedelta(hours=24), 31.0)]),
    }
    return base | overrides


def by_key(report: Any) -> dict[str, Any]:
    return {m.key: m for m in report.services[0].measurements}


def test_one_call_for_the_whole_report(settings: Any) -> None:
    cloudwatch = FakeCloudWatch(answers())
    report = build_sla_report(settings, now=NOW, cloudwatch=cloudwatch, breakers=InMemoryBreakerStore())  # type: ignore[arg-type]
    assert len(cloudwatch.calls) == 1
    queries, start, end = cloudwatch.calls[0]
    assert (start, end) == (END - timedelta(days=30), END) and len(queries) == report.queries == 11
    m = by_key(report)
    assert m["availability"].value == pytest.approx((1 - 3 / 3000) * 100)  # the 30-h-old hour is outside 24 h
    assert m["apigw_p95"].value == 95.0 and m["apigw_p95"].mark is Mark.AT_RISK
    table = m["dynamodb_p95:ApplicationMetrics-dev"]
    assert table.value == 31.0 and table.detail == "slowest of PutItem 31.0 ms, Query 12.0 ms"


def test_an_incomplete_series_is_missing_not_zero(settings: Any) -> None:
    cloudwatch = FakeCloudWatch(answers(s0_fn0=series("s0_fn0", [], complete=False)))
    report = build_sla_report(settings, now=NOW, cloudwatch=cloudwatch, breakers=InMemoryBreakerStore())  # type: ignore[arg-type]
    lam = by_key(report)["lambda_p95:monitoring-api-dev"]
    assert lam.value is None and lam.mark is Mark.UNKNOWN and lam.missing == "CloudWatch did not answer"
    assert any("monitoring-api-dev" in gone for gone in report.services[0].missing)


def test_cloudwatch_giving_up_leaves_every_number_missing(settings: Any) -> None:
    cloudwatch = FakeCloudWatch(error=AwsError("throttled", code="Throttling"))
    report = build_sla_report(settings, now=NOW, cloudwatch=cloudwatch, breakers=InMemoryBreakerStore())  # type: ignore[arg-type]
    service = report.services[0]
    cw_numbers = [m for m in service.measurements if m.key != "breaker_recovery"]
    assert all(m.value is None and m.missing == "CloudWatch did not answer: Throttling" for m in cw_numbers)
    assert service.budget.remaining is None and all(b.rate is None for b in service.burn_rates)
    assert report.notes and "Throttling" in report.notes[0]


def test_breaker_recovery_comes_from_the_shared_state(settings: Any) -> None:
    store = InMemoryBreakerStore()
    clock = [END.timestamp() - 600]
    breaker = AdaptiveCircuitBreaker("monitoring-api", store, clock=lambda: clock[0], open_timeout_s=30)
    for _ in range(5):
        breaker.record_failure()
    clock[0] += 42
    assert breaker.allow_request()
    for _ in range(3):
        breaker.record_success()
    report = build_sla_report(settings, now=NOW, cloudwatch=FakeCloudWatch(answers()), breakers=store)  # type: ignore[arg-type]
    recovery = by_key(report)["breaker_recovery"]
    assert recovery.value == pytest.approx(42) and recovery.mark is Mark.PASS


def test_burn_rates_and_the_multi_window_rule(settings: Any) -> None:
    slo = settings.slo  # 99.9 %: 0.1 % of requests may fail
    assert burn(slo, "1h", 1000, 20, 14.4).rate == pytest.approx(20.0)
    assert burn(slo, "1h", 0, 0, 14.4).rate is None  # no traffic: no ratio to burn at (n/a, never "0.00×")
    assert burn(slo, "1h", None, None, 14.4).rate is None
    rates = multi_window([burn(slo, "1h", 1000, 20, 14.4), burn(slo, "6h", 6000, 40, 6.0)])
    assert [r.alerting for r in rates] == [True, True]  # 20× ≥ 14.4; 6.67× ≥ 6 while the last hour burns ≥ 6
    cooled = multi_window([burn(slo, "1h", 1000, 1, 14.4), burn(slo, "6h", 6000, 40, 6.0)])
    assert [r.alerting for r in cooled] == [False, False]  # 6 h still high but the last hour recovered


def test_budget_left_and_its_marks(settings: Any) -> None:
    slo = settings.slo
    calm = [burn(slo, "6h", 6000, 0, 6.0)]
    assert budget(slo, 100_000, 40, calm, "gone").remaining == pytest.approx(1 - 40 / 100)
    assert budget(slo, 100_000, 40, calm, "gone").mark is Mark.PASS
    assert budget(slo, 100_000, 95, calm, "gone").mark is Mark.AT_RISK  # under 10 % left
    assert budget(slo, 100_000, 40, [burn(slo, "6h", 6000, 12, 6.0)], "gone").mark is Mark.AT_RISK  # 2× burn
    assert budget(slo, 100_000, 150, calm, "gone").mark is Mark.BREACH
    assert budget(slo, None, None, calm, "gone").missing == "gone"


class BrokenStore(InMemoryBreakerStore):
    def list_all(self) -> list[Any]:
        from bot.breaker import BreakerStoreError

        raise BreakerStoreError("table perfbot-dev-state not found")


def test_breaker_rows_without_state_or_with_an_unreadable_store(settings: Any) -> None:
    fresh = build_sla_report(settings, now=NOW, cloudwatch=FakeCloudWatch(answers()), breakers=InMemoryBreakerStore())  # type: ignore[arg-type]
    never = by_key(fresh)["breaker_recovery"]
    # no state recorded is not a measurement: shown as missing, never as a pass
    assert never.value is None and never.mark is Mark.UNKNOWN and "never tripped" in (never.missing or "")
    broken = build_sla_report(settings, now=NOW, cloudwatch=FakeCloudWatch(answers()), breakers=BrokenStore())  # type: ignore[arg-type]
    unreadable = by_key(broken)["breaker_recovery"]
    assert unreadable.mark is Mark.UNKNOWN and "unreadable" in (unreadable.missing or "")


def test_one_operation_missing_hides_the_table_latency(settings: Any) -> None:
    cloudwatch = FakeCloudWatch(answers(s0_tb0_1=series("s0_tb0_1", [], complete=False)))
    report = build_sla_report(settings, now=NOW, cloudwatch=cloudwatch, breakers=InMemoryBreakerStore())  # type: ignore[arg-type]
    table = by_key(report)["dynamodb_p95:ApplicationMetrics-dev"]
    assert table.value is None and table.missing == "CloudWatch did not answer"  # a max over Query alone could lie


def test_no_traffic_is_a_missing_error_budget_not_a_full_one(settings: Any) -> None:
    from bot.reports.budget import budget
    from bot.reports.text import budget_text, burn_text

    slo = settings.slo
    burns = multi_window([burn(slo, "1h", 0, 0, 14.4), burn(slo, "6h", 0, 0, 6.0)])
    empty = budget(slo, 0, 0, burns, "")
    assert empty.remaining is None and empty.mark is Mark.UNKNOWN
    assert budget_text(empty) == "n/a (no requests in the 30 days)"  # was "100.0 % left (0 of 0.0 allowed …)"
    assert [burn_text(b) for b in burns] == ["1h: n/a", "6h: n/a"]  # was "1h: 0.00×"
    assert budget(slo, 1000, 0, burns, "").remaining == 1.0  # traffic without errors: the whole budget, measured
