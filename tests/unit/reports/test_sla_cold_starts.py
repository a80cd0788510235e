"""The SLA report's Cold starts section: per function, the share of cold starts and the init p95 from Lambda Insights
and the package size (CodeSize) against the guide's advice — or "n/a — needs Lambda Insights" when it is off."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.breaker import InMemoryBreakerStore
from bot.reports.sla import build_sla_report
from bot.reports.text import sla_text
from bot.slack.render.reports import sla_blocks
from tests.unit.reports.conftest import FakeCloudWatch
from tests.unit.reports.test_sla_report import END, NOW, answers, series

FUNCTION = "monitoring-api-dev"
WINDOW_START = END - timedelta(hours=24)


def _report(settings: Any, size: int | None, **overrides: Any) -> Any:
    cloudwatch = FakeCloudWatch(answers(**overrides))
    return build_sla_report(
        settings,
        now=NOW,
        cloudwatch=cloudwatch,  # type: ignore[arg-type]
        breakers=InMemoryBreakerStore(),
        code_sizes=lambda functions: dict.fromkeys(functions, size),
    )


def _at_window(qid: str, value: float) -> Any:
    return series(qid, [(WINDOW_START, value)])


def test_measured_cold_starts_and_a_large_package(settings: Any) -> None:
    report = _report(
        settings,
        24 * 1024 * 1024,
        s0_cs0_inv=_at_window("s0_cs0_inv", 5150),
        s0_cs0_n=_at_window("s0_cs0_n", 206),
        s0_cs0_p95=_at_window("s0_cs0_p95", 1320.0),
        s0_cs0_on=_at_window("s0_cs0_on", 5150),
    )
    [facts] = report.services[0].cold_starts
    assert (facts.function, facts.invocations, facts.cold_starts, facts.init_p95_ms) == (FUNCTION, 5150, 206, 1320.0)
    assert facts.missing is None and facts.package_large
    blocks = json.dumps(sla_blocks(report), ensure_ascii=False)
    assert "*Cold starts* (last 24h)" in blocks
    assert f"`{FUNCTION}`: 4.0 % cold starts (206 of 5,150 invocations, Lambda Insights), init p95 1,320 ms" in blocks
    assert "package 24.0 MB (CodeSize), over the 10 MB where the guide's advice applies" in blocks
    assert f"    {FUNCTION}: 4.0 % cold starts" in sla_text(report)


def test_insights_on_without_a_cold_start_is_zero_not_unknown(settings: Any) -> None:
    report = _report(
        settings, 4_200_000, s0_cs0_inv=_at_window("s0_cs0_inv", 900), s0_cs0_on=_at_window("s0_cs0_on", 900)
    )
    [facts] = report.services[0].cold_starts
    assert facts.cold_starts == 0 and facts.share == 0 and facts.init_p95_ms is None
    assert "0.0 % cold starts (0 of 900 invocations, Lambda Insights) · package 4.0 MB" in sla_text(report)


def test_without_lambda_insights_the_section_says_what_is_missing(settings: Any) -> None:
    report = _report(settings, None, s0_cs0_inv=_at_window("s0_cs0_inv", 5150))
    [facts] = report.services[0].cold_starts
    assert facts.cold_starts is None and facts.init_p95_ms is None and facts.missing == "needs Lambda Insights"
    blocks = json.dumps(sla_blocks(report), ensure_ascii=False)
    assert f"`{FUNCTION}`: cold starts n/a — needs Lambda Insights · package size n/a (CodeSize not read)" in blocks
    assert "init p95" not in blocks
