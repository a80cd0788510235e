"""PC and memory cards carry the function's measured cold starts and package size as evidence, set by code for the
rule engine's and the model's recommendations alike; without Lambda Insights the card says "n/a — needs Lambda
Insights" instead of a number."""

from __future__ import annotations

import json
from typing import Any

from bot.analysis.analyzer import analyze
from bot.analysis.cold_starts import NEEDS_INSIGHTS
from bot.changes.models import from_recommendation
from bot.settings import load_settings
from bot.slack.render import changes as render
from tests.support.analysis_factories import healthy_api, healthy_inputs, healthy_lambda
from tests.support.bedrock_answers import memory_item
from tests.unit.analysis.test_bedrock import Harness, slow_cpu_inputs

COLD = {"cold_starts": 160_000, "init_duration_p95_ms": 1100, "init_duration_avg_ms": 950, "concurrency_busy_p90": 3.2}
COLD_API = {"latency_p95_baseline_ms": 1150, "latency_p50_ms": 45}
PRESSURE = {"memory_mb": 256, "memory_utilization_max_pct": 93, "memory_used_max_mb": 238}


def _rules(**fn: Any) -> Any:
    inputs = healthy_inputs(fn=healthy_lambda(**fn), api=healthy_api(**COLD_API))
    return analyze("monitoring-api", settings=load_settings({}), inputs=inputs, pending_fingerprints=set())


def _card_text(rec: Any) -> str:
    _, blocks = render.card(from_recommendation(rec, "U1", "C1", ttl_h=24))
    return json.dumps(blocks, ensure_ascii=False)


def test_pc_and_memory_cards_show_the_measured_cold_starts_and_package() -> None:
    result = _rules(code_size_bytes=24 * 1024 * 1024, **COLD, **PRESSURE)
    by_kind = {r.kind: r for r in result.recommendations}
    assert {"lambda_provisioned_concurrency", "lambda_memory"} <= set(by_kind)
    for rec in by_kind.values():
        if rec.kind not in ("lambda_provisioned_concurrency", "lambda_memory"):
            assert rec.cold_starts is None
            continue
        facts = rec.cold_starts
        assert facts is not None and facts.function == "monitoring-api-dev" and facts.window == "last 24 h"
        assert facts.share == 160_000 / 2_000_000 and facts.init_p95_ms == 1100
        text = _card_text(rec)
        assert "Cold starts (last 24 h): 8.0 % cold starts (160,000 of 2,000,000 invocations, Lambda Insights)" in text
        assert "init p95 1,100 ms" in text
        assert "package 24.0 MB (CodeSize), over the 10 MB where the guide's advice applies" in text


def test_without_lambda_insights_the_card_says_what_is_missing() -> None:
    """Over-provisioned PC is proposed down without Insights; its card claims no cold-start number."""
    result = _rules(provisioned_units=40, concurrency_max=3, cold_starts=None, init_duration_p95_ms=None)
    [rec] = [r for r in result.recommendations if r.kind == "lambda_provisioned_concurrency"]
    assert rec.cold_starts is not None and rec.cold_starts.missing == NEEDS_INSIGHTS
    assert rec.cold_starts.share is None and rec.cold_starts.init_p95_ms is None
    text = _card_text(rec)
    assert "Cold starts (last 24 h): cold starts n/a — needs Lambda Insights" in text
    assert "package size n/a (CodeSize not read)" in text
    assert "init p95" not in text


def test_the_models_evidence_is_replaced_by_the_measured_one() -> None:
    harness = Harness(load_settings({"PERFBOT_ANALYZER": "bedrock"}))
    harness.answer([memory_item(1536, cold_starts={"function": "made-up", "cold_starts": 1, "invocations": 1})])
    [rec] = harness.analyze(inputs=slow_cpu_inputs()).recommendations
    assert rec.cold_starts is not None and rec.cold_starts.function == "monitoring-api-dev"
    assert rec.cold_starts.cold_starts == 4000  # the factory's measured cold starts, not the model's 1
