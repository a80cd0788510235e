"""Analysis messages: the summary header, the card's numbers, escaping of model text, Slack's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.analysis.models import AnalysisResult, DroppedRecommendation, Impact, Recommendation
from bot.changes.kinds import describe_values
from bot.slack.commands import UsageError
from bot.slack.listeners.analysis import parse_analyze_args
from bot.slack.render.analysis import PENDING_REASON, summary_blocks

KINDS = ("lambda_memory", "apigw_cache", "dynamodb_capacity")


def memory(**changes: object) -> Recommendation:
    data = {
        "kind": "lambda_memory",
        "service": "monitoring-api",
        "target": "monitoring-api-dev",
        "current": {"memory_mb": 256},
        "proposed": {"memory_mb": 512},
        "rationale": "p95 duration is 547 ms and 97 % of it is CPU time.",
        "impact": Impact(p95_ms_delta=-271.4, monthly_cost_delta_usd=2.54, summary="Lambda p95 -271 ms"),
        "confidence": 0.75,
        "risk": "medium",
    } | changes
    return Recommendation.model_validate(data)


@pytest.mark.parametrize(
    ("kind", "values", "words"),
    [
        ("apigw_cache", {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 300}, "on, 0.5 GB, TTL 300 s"),
        ("apigw_cache", {"enabled": False, "cluster_size_gb": "", "ttl_s": 300}, "off"),
        ("apigw_throttling", {"rate_limit": 1000.0, "burst_limit": 2000}, "1000 rps, burst 2000"),
        ("dynamodb_capacity", {"read_units": 75, "write_units": 37}, "75 RCU / 37 WCU"),
        ("lambda_provisioned_concurrency", {"units": 4}, "4 units"),
        (
            "breaker_thresholds",
            {"failure_threshold": 10, "open_timeout_s": 60.0, "half_open_success_threshold": 3},
            "10 failures, 60 s open, 3 trial successes",
        ),
    ],
)
def test_values_in_words(kind: str, values: dict[str, Any], words: str) -> None:
    assert describe_values(kind, values) == words


def test_summaries() -> None:
    one = AnalysisResult(service="monitoring-api", recommendations=[memory()], source="rules")
    assert summary_blocks(one)[0]["text"]["text"] == "1 recommendation for monitoring-api (rule engine)"
    dropped = DroppedRecommendation(kind="lambda_memory", target="payments", source="m", reason="target 'payments' <b>")
    pending = DroppedRecommendation(
        kind="apigw_cache", target="monitoring-api/dev", source="rules", reason=PENDING_REASON
    )
    fallback = AnalysisResult(
        service="monitoring-api",
        dropped=[dropped, pending],
        notes=["Bedrock unavailable: throttled (ThrottlingException) after 3 attempt(s); rule engine used"],
    )
    text = json.dumps(summary_blocks(fallback))
    assert "No new recommendations for monitoring-api (rule engine)" in text
    assert "1 recommendation(s) already await a decision" in text
    assert "Dropped by the guardrails:" in text and "target 'payments' &lt;b&gt;" in text
    assert "Bedrock unavailable" in text
    healthy = AnalysisResult(service="monitoring-api", kind="lambda_memory")
    assert "Nothing to tune for lambda_memory" in json.dumps(summary_blocks(healthy))


def test_refused_suggestions_are_not_called_nothing_to_tune() -> None:
    refused = [
        DroppedRecommendation(
            kind="lambda_memory",
            target="monitoring-api-dev",
            source="bedrock",
            reason="step too large",
            proposed={"memory_mb": 4096},
        ),
        DroppedRecommendation(
            kind="iam_policy", target="monitoring-api-dev", source="bedrock", reason="off the allow-list"
        ),
    ]
    text = json.dumps(summary_blocks(AnalysisResult(service="monitoring-api", dropped=refused)), ensure_ascii=False)
    assert "Nothing to tune" not in text  # was "✅ Nothing to tune" beside "🛡️ 2 suggestion(s) dropped"
    assert "2 suggestion(s) were refused" in text
    assert "Lambda memory `monitoring-api-dev` → memory_mb=4096: step too large" in text
    assert "iam_policy `monitoring-api-dev`: off the allow-list" in text


def test_analyze_arguments() -> None:
    services = ["monitoring-api", "billing-api"]
    assert parse_analyze_args([], KINDS, services) == (None, None)
    assert parse_analyze_args(["memory"], KINDS, services) == ("lambda_memory", None)
    assert parse_analyze_args(["billing-api", "cache"], KINDS, services) == ("apigw_cache", "billing-api")
    assert parse_analyze_args(["dynamodb_capacity"], KINDS, services) == ("dynamodb_capacity", None)
    for bad in (["bogus"], ["memory", "cache"], ["monitoring-api", "billing-api"]):
        with pytest.raises(UsageError):
            parse_analyze_args(bad, KINDS, services)
