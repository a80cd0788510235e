"""Guardrails: every recommendation, from rules or a model, is checked by code; what fails is dropped with a reason."""

from __future__ import annotations

from typing import Any

import pytest

from bot.analysis.guardrails import GuardrailResult, apply_guardrails, compute_risk
from bot.analysis.models import Recommendation
from bot.settings import MaxStep
from tests.support.analysis_factories import (
    FUNCTION,
    SERVICE,
    TABLE,
    healthy_api,
    healthy_inputs,
    healthy_lambda,
    healthy_table,
)

LIVE: dict[tuple[str, str], dict[str, Any]] = {
    ("lambda_memory", FUNCTION): {"memory_mb": 1024},
    ("lambda_provisioned_concurrency", f"{FUNCTION}:live"): {"units": 0},
    ("apigw_cache", f"{SERVICE}/dev"): {"enabled": False, "cluster_size_gb": "", "ttl_s": 300},
    ("apigw_throttling", f"{SERVICE}/dev"): {"rate_limit": 1000.0, "burst_limit": 2000},
    ("dynamodb_capacity", TABLE): {"read_units": 50, "write_units": 25},
    ("breaker_thresholds", SERVICE): {"failure_threshold": 5, "open_timeout_s": 60.0, "half_open_success_threshold": 3},
}


def rec(kind: str, target: str, proposed: dict[str, Any], **extra: Any) -> Recommendation:
    data = {
        "kind": kind,
        "service": SERVICE,
        "target": target,
        "current": LIVE.get((kind, target), {}),
        "proposed": proposed,
        "rationale": "test",
        "confidence": 0.8,
        "source": "model-x",
        **extra,
    }
    return Recommendation.model_validate(data)


def measured(**inputs: Any) -> dict[str, Any]:
    """Inputs with the evidence each VALID proposal needs: memory pressure and cold starts (Lambda Insights), the
    stage's 429s, a busy table."""
    evidence = {
        "fn": healthy_lambda(memory_utilization_max_pct=90, memory_used_max_mb=920, cold_starts=160_000),
        "api": healthy_api(stage_throttled=5_000),
        "table": healthy_table(consumed_read_peak=45, consumed_write_peak=21),
    }
    return {**evidence, **inputs}


def check(*recs: Recommendation, pending: set[str] | None = None, **inputs: Any) -> GuardrailResult:
    return apply_guardrails(list(recs), healthy_inputs(**measured(**inputs)), MaxStep(), pending_fingerprints=pending)


VALID = [
    rec("lambda_memory", FUNCTION, {"memory_mb": 1536}),
    rec("lambda_provisioned_concurrency", f"{FUNCTION}:live", {"units": 4}),
    rec("apigw_cache", f"{SERVICE}/dev", {"enabled": True, "cluster_size_gb": "1.6", "ttl_s": 300}),
    rec("apigw_throttling", f"{SERVICE}/dev", {"rate_limit": 1500.0, "burst_limit": 3000}),
    rec("dynamodb_capacity", TABLE, {"read_units": 75, "write_units": 37}),
    rec(
        "breaker_thresholds",
        SERVICE,
        {"failure_threshold": 10, "open_timeout_s": 60.0, "half_open_success_threshold": 3},
    ),
]


def test_valid_recommendations_pass_with_risk_computed_by_code() -> None:
    claimed_low = [r.model_copy(update={"risk": "low"}) for r in VALID]
    result = check(*claimed_low)
    assert result.dropped == []
    assert [r.risk for r in result.accepted] == ["low", "medium", "medium", "medium", "low", "low"]


def test_what_the_rules_would_refuse_for_lack_of_evidence_is_refused_from_a_model_too() -> None:
    """A healthy service measures no memory pressure, cold starts, 429s or busy table: the model's proposals to
    raise them are dropped with the missing evidence named; the breaker (configuration) still passes."""
    result = apply_guardrails(VALID, healthy_inputs(), MaxStep(), pending_fingerprints=set())
    reasons = {d.kind: d.reason for d in result.dropped}
    assert "neither memory pressure nor CPU-bound" in reasons["lambda_memory"]
    assert "cold starts" in reasons["lambda_provisioned_concurrency"]
    assert "throttled nothing" in reasons["apigw_throttling"]
    assert "does not need more capacity" in reasons["dynamodb_capacity"]
    assert [r.kind for r in result.accepted] == ["apigw_cache", "breaker_thresholds"]
    saturated = healthy_inputs(fn=healthy_lambda(throttles=300), api=healthy_api(stage_throttled=5_000))
    raise_limit = apply_guardrails(VALID[3:4], saturated, MaxStep(), pending_fingerprints=set())
    assert "already throttles" in raise_limit.dropped[0].reason
    no_insights = healthy_lambda(memory_utilization_max_pct=None, memory_used_max_mb=None, cpu_time_avg_ms=None)
    shrink = rec("lambda_memory", FUNCTION, {"memory_mb": 768})
    assert "Lambda Insights" in check(shrink, fn=no_insights).dropped[0].reason


BAD = [
    (rec("lambda_memory", FUNCTION, {"memory_mb": 64}), "outside 128"),
    (rec("lambda_memory", FUNCTION, {"memory_mb": 20480}), "outside 128"),
    (rec("lambda_memory", FUNCTION, {"memory_mb": 4096}), "exceeds ×2"),
    (rec("lambda_memory", FUNCTION, {"memory_mb": 1536.5}), "whole number"),
    (rec("lambda_memory", FUNCTION, {"memory_mb": True}), "whole number"),
    (rec("lambda_memory", FUNCTION, {"memory_mb": 1536, "timeout_s": 900}), "exactly"),
    (rec("lambda_memory", "payments-prod", {"memory_mb": 2048}, current={"memory_mb": 1024}), "not a configured"),
    (rec("lambda_memory", FUNCTION, {"memory_mb": 2048}, current={"memory_mb": 512}), "does not match the live"),
    (rec("lambda_memory", FUNCTION, {"memory_mb": 1024}), "no change"),
    (rec("lambda_provisioned_concurrency", f"{FUNCTION}:$LATEST", {"units": 4}), "not a configured"),
    (rec("lambda_provisioned_concurrency", f"{FUNCTION}:live", {"units": 0}), "outside 1"),
    (rec("lambda_provisioned_concurrency", f"{FUNCTION}:live", {"units": 80}), "step exceeds 50"),
    (rec("apigw_cache", f"{SERVICE}/dev", {"enabled": True, "cluster_size_gb": "2", "ttl_s": 300}), "cluster size"),
    (rec("apigw_cache", f"{SERVICE}/dev", {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 7200}), "ttl_s"),
    (rec("apigw_cache", f"{SERVICE}/dev", {"enabled": "yes", "cluster_size_gb": "0.5", "ttl_s": 300}), "true or"),
    (rec("apigw_throttling", f"{SERVICE}/dev", {"rate_limit": 20000.0, "burst_limit": 2000}), "outside 1"),
    (rec("apigw_throttling", f"{SERVICE}/dev", {"rate_limit": -5.0, "burst_limit": 2000}), "outside 1"),
    (rec("apigw_throttling", f"{SERVICE}/dev", {"rate_limit": 1000.0, "burst_limit": 6000}), "outside 1"),
    (rec("apigw_throttling", f"{SERVICE}/dev", {"rate_limit": 100.0, "burst_limit": 2000}), "exceeds ×2"),
    (rec("dynamodb_capacity", TABLE, {"read_units": 0, "write_units": 25}), "outside 1"),
    (rec("dynamodb_capacity", TABLE, {"read_units": 500, "write_units": 25}), "exceeds ×2"),
    (
        rec(
            "breaker_thresholds",
            SERVICE,
            {"failure_threshold": 0, "open_timeout_s": 60, "half_open_success_threshold": 3},
        ),
        "outside",
    ),
    (
        rec(
            "breaker_thresholds",
            SERVICE,
            {"failure_threshold": 5, "open_timeout_s": 1, "half_open_success_threshold": 3},
        ),
        "outside",
    ),
    (
        rec(
            "breaker_thresholds",
            "payments",
            {"failure_threshold": 9, "open_timeout_s": 60, "half_open_success_threshold": 3},
        ),
        "not a configured",
    ),
    (rec("lambda_memory", FUNCTION, {"memory_mb": 1536}, service="other-service"), "not the analysed service"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD, ids=[f"{i}-{b.kind}" for i, (b, _) in enumerate(BAD)])
def test_invalid_recommendations_are_dropped_with_the_reason(bad: Recommendation, reason: str) -> None:
    result = check(bad)
    assert result.accepted == []
    assert len(result.dropped) == 1 and reason in result.dropped[0].reason, result.dropped[0].reason


def test_provisioned_concurrency_needs_a_published_alias_and_room_in_reserved_concurrency() -> None:
    wanted = rec("lambda_provisioned_concurrency", f"{FUNCTION}:live", {"units": 4})
    on_latest = check(wanted, fn=healthy_lambda(alias_version="$LATEST"))
    assert "never $LATEST" in on_latest.dropped[0].reason
    capped = check(wanted, fn=healthy_lambda(reserved_concurrency=2))
    assert "reserved concurrency of 2" in capped.dropped[0].reason


def test_capacity_decreases_stop_at_the_daily_limit() -> None:
    down = rec("dynamodb_capacity", TABLE, {"read_units": 30, "write_units": 25})
    assert check(down).accepted and check(down).accepted[0].risk == "high"
    assert "decreases today" in check(down, table=healthy_table(decreases_today=27)).dropped[0].reason


def test_duplicates_of_pending_proposals_and_within_a_batch_are_dropped() -> None:
    first = VALID[0]
    assert "pending proposal" in check(first, pending={first.fingerprint()}).dropped[0].reason
    again = check(first, first.model_copy(update={"rationale": "same change, other words"}))
    assert len(again.accepted) == 1 and "duplicates another" in again.dropped[0].reason
    other_value = check(first, rec("lambda_memory", FUNCTION, {"memory_mb": 1280}))
    assert len(other_value.accepted) == 1 and "same resource" in other_value.dropped[0].reason


@pytest.mark.parametrize(
    ("kind", "target", "proposed", "risk"),
    [
        ("lambda_memory", FUNCTION, {"memory_mb": 1536}, "low"),
        ("lambda_memory", FUNCTION, {"memory_mb": 2048}, "medium"),
        ("lambda_memory", FUNCTION, {"memory_mb": 896}, "medium"),
        ("lambda_memory", FUNCTION, {"memory_mb": 512}, "high"),
        ("apigw_cache", f"{SERVICE}/dev", {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 300}, "medium"),
        ("apigw_throttling", f"{SERVICE}/dev", {"rate_limit": 800.0, "burst_limit": 2000}, "high"),
        ("dynamodb_capacity", TABLE, {"read_units": 40, "write_units": 30}, "high"),
        (
            "breaker_thresholds",
            SERVICE,
            {"failure_threshold": 3, "open_timeout_s": 90.0, "half_open_success_threshold": 3},
            "medium",
        ),
    ],
)
def test_risk_table(kind: str, target: str, proposed: dict[str, Any], risk: str) -> None:
    assert compute_risk(rec(kind, target, proposed)) == risk


def test_the_summary_recognises_pending_duplicates() -> None:
    from bot.slack.render.analysis import PENDING_REASON

    first = VALID[0]
    assert check(first, pending={first.fingerprint()}).dropped[0].reason == PENDING_REASON
