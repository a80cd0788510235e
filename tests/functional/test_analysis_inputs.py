"""What one analysis reads: ONE GetMetricData call for all the window's metrics (and one for the usage pattern),
describe calls for the live configuration, and the numbers it derives agree with what the simulator wrote."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.analysis.gather import gather
from bot.aws.clients import client
from bot.settings import get_settings
from devstack.simulator import simulate
from devstack.simulator.analysis_scenarios import BY_NAME

pytestmark = pytest.mark.functional


def count_calls() -> Counter[str]:
    calls: Counter[str] = Counter()

    def record(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    for service in ("cloudwatch", "lambda", "apigateway", "dynamodb"):
        client(service).meta.events.register("before-call", record)
    return calls


def test_one_get_metric_data_call_serves_the_whole_analysis_window(stack: Any) -> None:
    settings = get_settings()
    now = datetime.now(UTC)  # one clock for both: simulating takes seconds, and a minute may turn meanwhile
    report = simulate(settings, scenario=BY_NAME["cold-starts"].scenario, now=now)
    calls = count_calls()
    inputs = gather(settings, settings.services[0], now=now)
    # one call for the analysis window, one for the 14-day hourly usage pattern (another window and period)
    assert calls["GetMetricData"] == 2
    assert calls["GetMetricStatistics"] == 0
    assert inputs.notes == []
    assert inputs.usage is None  # one simulated day: too few for a usage pattern

    [fn] = inputs.lambdas
    assert (fn.memory_mb, fn.alias, fn.alias_version) == (1024, "live", report.function_version)
    assert fn.invocations == report.invocations
    assert fn.cold_start_share is not None and 0.06 < fn.cold_start_share < 0.10  # the scenario's 8 %
    assert fn.init_duration_p95_ms is not None and fn.init_duration_p95_ms > 1100  # lognormal around 1.1 s
    assert inputs.api is not None
    assert inputs.api.requests == report.requests and inputs.api.errors_5xx == report.errors_5xx
    assert inputs.api.get_share is not None and abs(inputs.api.get_share - 0.5) < 0.01
    assert (inputs.api.throttle_rate, inputs.api.throttle_burst) == (1000.0, 2000)
    [table] = inputs.tables
    assert table.billing_mode == "PROVISIONED" and table.read_units == BY_NAME["cold-starts"].scenario.provisioned_rcu
    assert inputs.breaker is not None and inputs.breaker.failure_threshold == 5
