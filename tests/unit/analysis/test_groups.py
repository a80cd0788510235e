"""Analysis types by the guide's names: named groups of rules; `cost` proposes only savings."""

from __future__ import annotations

import pytest

from bot.analysis.analyzer import AnalysisRequestError, analyze
from bot.slack.listeners.analysis import parse_analyze_args
from tests.support.analysis_factories import (
    SERVICE,
    healthy_inputs,
    healthy_lambda,
    healthy_table,
    settings_without_env,
)


def kinds_for(group: str) -> list[tuple[str, str]]:
    """A function under memory pressure (more memory, costs more) and an idle table (less capacity, saves)."""
    inputs = healthy_inputs(
        fn=healthy_lambda(memory_mb=256, memory_utilization_max_pct=93, memory_used_max_mb=238),
        table=healthy_table(read_units=1000, write_units=500),
    )
    settings = settings_without_env()
    result = analyze(SERVICE, group, settings=settings, inputs=inputs, pending_fingerprints=set())
    assert result.kind == group
    return [
        (r.kind, "saves" if (r.impact.monthly_cost_delta_usd or 0) < 0 else "costs") for r in result.recommendations
    ]


def test_cost_proposes_only_savings_and_performance_the_rest() -> None:
    assert kinds_for("cost") == [("dynamodb_capacity", "saves")]
    assert kinds_for("performance") == [("lambda_memory", "costs")]


@pytest.mark.parametrize(
    ("group", "kinds"), [("lambda", ["lambda_memory"]), ("apigw", []), ("dynamodb", ["dynamodb_capacity"])]
)
def test_named_groups_keep_their_kinds(group: str, kinds: list[str]) -> None:
    assert [kind for kind, _ in kinds_for(group)] == kinds


def test_the_slash_command_knows_the_guide_names() -> None:
    for word in ("lambda", "dynamodb", "apigw", "cost", "performance"):
        kind, service = parse_analyze_args([word, SERVICE], ("lambda_memory",), [SERVICE])
        assert kind is not None and service == SERVICE
    with pytest.raises(AnalysisRequestError):
        analyze(
            SERVICE, "savings", settings=settings_without_env(), inputs=healthy_inputs(), pending_fingerprints=set()
        )
