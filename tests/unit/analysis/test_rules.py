"""Each rule fires on the numbers its rationale quotes, with the seed's thresholds, and stays quiet otherwise."""

from __future__ import annotations

import math

import pytest

from bot.analysis.inputs import BreakerInputs
from bot.analysis.models import Recommendation
from bot.analysis.rules import run_rules
from tests.support.analysis_factories import (
    FUNCTION,
    SERVICE,
    TABLE,
    context,
    healthy_api,
    healthy_inputs,
    healthy_lambda,
    healthy_table,
)


def only(recs: list[Recommendation], kind: str) -> Recommendation:
    found = [r for r in recs if r.kind == kind]
    assert len(found) == 1, [r.kind for r in recs]
    return found[0]


def test_healthy_service_gets_nothing() -> None:
    ctx = context()
    assert run_rules(healthy_inputs(), ctx) == []
    assert ctx.notes == []


def test_memory_pressure_grows_memory_to_headroom() -> None:
    fn = healthy_lambda(memory_mb=256, memory_utilization_max_pct=93, memory_used_max_mb=238)
    rec = only(run_rules(healthy_inputs(fn=fn), context()), "lambda_memory")
    assert rec.current == {"memory_mb": 256}
    assert float(rec.proposed["memory_mb"]) >= math.ceil(238 / 0.7)  # peak use lands at <= 70 %
    assert rec.proposed["memory_mb"] % 64 == 0
    assert "238 of 256 MB" in rec.rationale
    assert rec.impact.monthly_cost_delta_usd is not None and rec.impact.monthly_cost_delta_usd > 0


def test_cpu_bound_function_doubles_memory_and_gets_faster() -> None:
    fn = healthy_lambda(memory_mb=256, duration_p95_baseline_ms=540, duration_avg_ms=320, cpu_time_avg_ms=300)
    rec = only(run_rules(healthy_inputs(fn=fn), context()), "lambda_memory")
    assert rec.proposed == {"memory_mb": 512}
    assert rec.impact.p95_ms_delta is not None and rec.impact.p95_ms_delta < -200
    assert "540 ms" in rec.rationale and "last 24 h" in rec.rationale and "Lambda Insights" in rec.rationale


def test_slow_function_waiting_on_dynamodb_gets_no_memory() -> None:
    """Insights measures little CPU time: the function waits; more memory would not help."""
    fn = healthy_lambda(duration_p95_baseline_ms=700, duration_avg_ms=400, cpu_time_avg_ms=20)
    assert [r for r in run_rules(healthy_inputs(fn=fn), context()) if r.kind == "lambda_memory"] == []


def test_without_insights_memory_is_never_raised_on_a_guess_and_the_missing_measurement_is_named() -> None:
    """The old rule took "duration minus DynamoDB latency" as CPU time and raised memory for a function waiting on
    another API; without Lambda Insights nothing measures CPU, so the rule is silent and says so."""
    fn = healthy_lambda(
        memory_mb=256,
        duration_p95_baseline_ms=540,
        duration_avg_ms=320,
        downstream_avg_ms=8,
        memory_utilization_max_pct=None,
        memory_used_max_mb=None,
        cpu_time_avg_ms=None,
        cold_starts=None,
        init_duration_p95_ms=None,
    )
    ctx = context()
    assert [r for r in run_rules(healthy_inputs(fn=fn), ctx) if r.kind == "lambda_memory"] == []
    assert any("Lambda Insights is off" in note for note in ctx.notes)


def test_idle_memory_shrinks_io_bound_function_within_max_step() -> None:
    fn = healthy_lambda(
        memory_mb=3008, memory_utilization_max_pct=5, memory_used_max_mb=160, duration_avg_ms=30, cpu_time_avg_ms=3
    )
    rec = only(run_rules(healthy_inputs(fn=fn), context()), "lambda_memory")
    assert 3008 / 2 <= float(rec.proposed["memory_mb"]) < 3008 * 0.75  # max_step.lambda_memory_factor = 2
    assert rec.impact.monthly_cost_delta_usd is not None and rec.impact.monthly_cost_delta_usd < 0


def test_idle_memory_is_kept_when_the_function_is_cpu_bound_or_cpu_is_unmeasured() -> None:
    fn = healthy_lambda(memory_utilization_max_pct=10, memory_used_max_mb=100, cpu_time_avg_ms=35)
    assert [r for r in run_rules(healthy_inputs(fn=fn), context()) if r.kind == "lambda_memory"] == []
    ctx = context()
    unmeasured = healthy_lambda(memory_utilization_max_pct=10, memory_used_max_mb=100, cpu_time_avg_ms=None)
    assert [r for r in run_rules(healthy_inputs(fn=unmeasured), ctx) if r.kind == "lambda_memory"] == []
    assert any("cpu_total_time" in note for note in ctx.notes)


COLD = {"cold_starts": 160_000, "init_duration_p95_ms": 1100, "init_duration_avg_ms": 950}
COLD_API = {"latency_p95_baseline_ms": 1150, "latency_p50_ms": 45}


def test_cold_starts_get_provisioned_concurrency_sized_from_busy_concurrency() -> None:
    fn = healthy_lambda(concurrency_busy_p90=3.2, **COLD)
    rec = only(
        run_rules(healthy_inputs(fn=fn, api=healthy_api(**COLD_API)), context()), "lambda_provisioned_concurrency"
    )
    assert rec.target == f"{FUNCTION}:live"
    assert rec.current == {"units": 0} and rec.proposed == {"units": 4}
    assert rec.impact.p95_ms_delta is not None and -1150 < rec.impact.p95_ms_delta < -500
    assert rec.impact.monthly_cost_delta_usd is not None
    assert "8.0%" in rec.rationale and "busy hours" in rec.rationale


def test_provisioned_concurrency_that_does_not_pay_is_not_proposed() -> None:
    """~2,000 bursty requests a day: warm environments would idle all day for a handful of cold starts."""
    fn = healthy_lambda(
        invocations=2000,
        cold_starts=400,
        duration_avg_ms=40,
        concurrency_busy_p90=20,
        init_duration_p95_ms=1100,
        init_duration_avg_ms=950,
    )
    ctx = context()
    recs = run_rules(healthy_inputs(fn=fn, api=healthy_api(**COLD_API)), ctx)
    assert [r for r in recs if r.kind == "lambda_provisioned_concurrency"] == []
    assert any("would not pay" in note for note in ctx.notes)


def test_over_provisioned_concurrency_is_proposed_down_to_what_was_used() -> None:
    fn = healthy_lambda(provisioned_units=40, concurrency_max=3)
    rec = only(run_rules(healthy_inputs(fn=fn), context()), "lambda_provisioned_concurrency")
    assert rec.current == {"units": 40} and rec.proposed == {"units": 3}
    assert rec.impact.monthly_cost_delta_usd is not None and rec.impact.monthly_cost_delta_usd < -100


def test_cold_starts_respect_reserved_concurrency_and_need_a_published_alias() -> None:
    fn = healthy_lambda(concurrency_busy_p90=9, reserved_concurrency=5, **COLD)
    recs = run_rules(healthy_inputs(fn=fn, api=healthy_api(**COLD_API)), context())
    assert only(recs, "lambda_provisioned_concurrency").proposed == {"units": 5}
    ctx = context()
    latest = healthy_lambda(alias_version="$LATEST", **COLD)
    assert [r for r in run_rules(healthy_inputs(fn=latest), ctx) if "concurrency" in r.kind] == []
    assert any("$LATEST" in note for note in ctx.notes)


def test_short_inits_are_not_worth_provisioned_concurrency() -> None:
    fn = healthy_lambda(cold_starts=160_000, init_duration_p95_ms=120)
    assert run_rules(healthy_inputs(fn=fn), context()) == []


def test_slow_get_heavy_api_gets_a_cache_whose_net_cost_counts_the_invocations_it_saves() -> None:
    api = healthy_api(get_requests=1_800_000, latency_p95_baseline_ms=240, latency_p50_ms=110)
    rec = only(run_rules(healthy_inputs(api=api), context()), "apigw_cache")
    assert rec.target == f"{SERVICE}/dev"
    assert rec.proposed == {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 300}
    cost = rec.impact.monthly_cost_delta_usd
    assert cost is not None and cost < 0.020 * 730  # the cluster, minus the Lambda invocations it saves
    assert rec.impact.p95_ms_delta is not None and rec.impact.p95_ms_delta < 0


def test_an_incident_hour_alone_gets_no_cache() -> None:
    """The last hour is slow (an incident) but the baseline is fast: no steady-state reason for a cache."""
    api = healthy_api(get_requests=1_800_000, latency_p95_ms=900, integration_latency_p95_ms=890)
    assert [r for r in run_rules(healthy_inputs(api=api), context()) if r.kind == "apigw_cache"] == []


def test_write_heavy_api_is_not_cached_even_when_slow() -> None:
    api = healthy_api(get_requests=400_000, latency_p95_ms=240)
    assert run_rules(healthy_inputs(api=api), context()) == []


def test_cache_ttl_and_useless_cache() -> None:
    low_hits = healthy_api(cache_enabled=True, cache_size_gb="0.5", cache_ttl_s=30, cache_hits=100, cache_misses=900)
    assert only(run_rules(healthy_inputs(api=low_hits), context()), "apigw_cache").proposed["ttl_s"] == 300
    writes = healthy_api(cache_enabled=True, cache_size_gb="1.6", get_requests=60_000)
    rec = only(run_rules(healthy_inputs(api=writes), context()), "apigw_cache")
    assert rec.proposed["enabled"] is False
    assert rec.impact.monthly_cost_delta_usd == pytest.approx(-0.038 * 730)


THROTTLED = {"throttle_rate": 50.0, "throttle_burst": 100, "peak_rps": 75, "stage_throttled": 250_000}


def test_throttled_api_raises_the_rate_within_the_step_and_bills_the_extra_requests() -> None:
    api = healthy_api(errors_4xx=300_000, minutes_at_limit=300, **THROTTLED)
    rec = only(run_rules(healthy_inputs(api=api), context()), "apigw_throttling")
    assert rec.current == {"rate_limit": 50.0, "burst_limit": 100}
    # ×2 would be 100 rps, but the table peaked at 48 % of its reads at 50 rps: 93 rps keeps it under 90 %
    assert rec.proposed == {"rate_limit": 93.0, "burst_limit": 186}
    assert "peaked at 48 % of its capacity" in rec.rationale
    assert rec.impact.monthly_cost_delta_usd is not None and rec.impact.monthly_cost_delta_usd > 0


def test_4xx_that_the_stage_did_not_throttle_raise_nothing() -> None:
    """404s from clients are 4XX too; only the extra 4XX at the limit are the stage's 429s."""
    api = healthy_api(errors_4xx=300_000, **{**THROTTLED, "stage_throttled": 0})
    assert [r for r in run_rules(healthy_inputs(api=api), context()) if r.kind == "apigw_throttling"] == []


def test_a_saturated_function_gets_no_higher_stage_limit() -> None:
    """At its reserved concurrency the function throttles: a higher stage limit turns 429s into 5XXs."""
    fn = healthy_lambda(reserved_concurrency=3, concurrency_max=3, throttles=5_000)
    ctx = context()
    recs = run_rules(healthy_inputs(fn=fn, api=healthy_api(**THROTTLED)), ctx)
    assert [r for r in recs if r.kind == "apigw_throttling"] == []
    assert any("no headroom" in note and "reserved concurrency" in note for note in ctx.notes)


def test_hot_table_grows_by_the_seed_factor() -> None:
    table = healthy_table(consumed_read_peak=45, consumed_write_peak=21)  # 90 % and 84 %
    rec = only(run_rules(healthy_inputs(table=table), context()), "dynamodb_capacity")
    assert rec.target == TABLE
    assert rec.proposed == {"read_units": math.ceil(45 * 1.5), "write_units": math.ceil(21 * 1.5)}


def test_throttled_table_grows_even_below_eighty_percent() -> None:
    table = healthy_table(read_throttles=120, consumed_read_peak=30)
    rec = only(run_rules(healthy_inputs(table=table), context()), "dynamodb_capacity")
    assert float(rec.proposed["read_units"]) > 50 and rec.proposed["write_units"] == 25


def test_throttles_on_a_mostly_idle_table_are_a_hot_key_not_a_capacity_change() -> None:
    ctx = context()
    table = healthy_table(read_throttles=120, consumed_read_peak=12)
    assert [r for r in run_rules(healthy_inputs(table=table), ctx) if r.kind == "dynamodb_capacity"] == []
    assert any("hot partition" in note and "Contributor Insights" in note for note in ctx.notes)


def test_idle_table_shrinks_at_most_by_the_step_and_respects_the_daily_limit() -> None:
    idle = healthy_table(read_units=1000, write_units=500)
    rec = only(run_rules(healthy_inputs(table=idle), context()), "dynamodb_capacity")
    assert rec.proposed == {"read_units": 500, "write_units": 250}
    ctx = context()
    exhausted = healthy_table(read_units=1000, write_units=500, decreases_today=27)
    assert run_rules(healthy_inputs(table=exhausted), ctx) == []
    assert any("27" in note for note in ctx.notes)


def test_on_demand_tables_are_left_alone() -> None:
    table = healthy_table(billing_mode="PAY_PER_REQUEST", read_units=0, write_units=0)
    assert run_rules(healthy_inputs(table=table), context()) == []


@pytest.mark.parametrize(("qps", "threshold"), [(150.0, 10), (4.0, 3), (50.0, None), (100.0, None), (10.0, None)])
def test_breaker_follows_the_seed_adaptive_rule(qps: float, threshold: int | None) -> None:
    recs = run_rules(healthy_inputs(api=healthy_api(median_rps=qps)), context())
    if threshold is None:
        assert recs == []
    else:
        assert only(recs, "breaker_thresholds").proposed["failure_threshold"] == threshold


def test_breaker_timeout_longer_than_the_recovery_slo_is_shortened() -> None:
    breaker = BreakerInputs(key=SERVICE, open_timeout_s=180.0, stored=True)
    rec = only(run_rules(healthy_inputs(breaker=breaker), context()), "breaker_thresholds")
    assert rec.proposed["open_timeout_s"] == 60.0


def test_kind_filter() -> None:
    fn = healthy_lambda(memory_mb=256, memory_utilization_max_pct=93, memory_used_max_mb=238)
    table = healthy_table(read_throttles=10, consumed_read_peak=30)
    inputs = healthy_inputs(fn=fn, table=table)
    assert {r.kind for r in run_rules(inputs, context())} == {"lambda_memory", "dynamodb_capacity"}
    assert {r.kind for r in run_rules(inputs, context(), "dynamodb_capacity")} == {"dynamodb_capacity"}
