"""A healthy service's analysis inputs; tests change only the numbers their rule is about."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.analysis.inputs import ApiInputs, BreakerInputs, LambdaInputs, ServiceInputs, TableInputs
from bot.analysis.rule_context import RuleContext
from bot.settings import load_settings

SERVICE = "monitoring-api"
FUNCTION = "monitoring-api-dev"
TABLE = "ApplicationMetrics-dev"


def healthy_lambda(**changes: Any) -> LambdaInputs:
    base = LambdaInputs(
        name=FUNCTION,
        memory_mb=1024,
        alias="live",
        alias_version="1",
        invocations=2_000_000,
        duration_p95_ms=70,
        duration_p95_baseline_ms=65,
        duration_avg_ms=40,
        recent_duration_avg_ms=40,
        memory_utilization_max_pct=45,
        memory_used_max_mb=460,
        downstream_avg_ms=8,
        downstream_typical_ms=8,
        cpu_time_avg_ms=12,  # Lambda Insights: 30 % of the average duration is CPU time
        cold_starts=4000,
        init_duration_p95_ms=450,
        init_duration_avg_ms=380,
        concurrency_max=6,
        concurrency_p90=3,
        concurrency_busy_p90=3,
        concurrency_5min=(2.0,) * 144 + (3.0,) * 140 + (6.0,) * 4,
    )
    return replace(base, **changes)


def healthy_api(**changes: Any) -> ApiInputs:
    base = ApiInputs(
        name=SERVICE,
        stage="dev",
        rest_api_id="abc123",
        cache_enabled=False,
        cache_ttl_s=300,
        throttle_rate=1000.0,
        throttle_burst=2000,
        requests=2_000_000,
        errors_4xx=20_000,
        errors_5xx=300,
        latency_p95_ms=80,
        latency_p95_baseline_ms=78,
        latency_p50_ms=45,
        integration_latency_p95_ms=74,
        get_requests=1_400_000,
        peak_rps=65,
        median_rps=30,
    )
    return replace(base, **changes)


def healthy_table(**changes: Any) -> TableInputs:
    base = TableInputs(
        name=TABLE,
        read_units=50,
        write_units=25,
        consumed_read_peak=24,
        consumed_read_avg=12,
        consumed_write_peak=12,
        consumed_write_avg=6,
        latency_avg_ms=12,
    )
    return replace(base, **changes)


def healthy_inputs(
    *,
    fn: LambdaInputs | None = None,
    api: ApiInputs | None = None,
    table: TableInputs | None = None,
    breaker: BreakerInputs | None = None,
) -> ServiceInputs:
    return ServiceInputs(
        service=SERVICE,
        lambdas=[fn or healthy_lambda()],
        api=api or healthy_api(),
        tables=[table or healthy_table()],
        breaker=breaker or BreakerInputs(key=SERVICE, stored=True),
    )


def settings_without_env() -> Any:
    """The shipped perfbot.yml, independent of the test process's environment."""
    return load_settings({})


def context() -> RuleContext:
    return RuleContext.for_service(settings_without_env(), SERVICE)
