"""The change-kind registry: an incomplete kind fails when it is defined, an unknown kind is an error everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bot.analysis.guardrails import compute_risk
from bot.analysis.inputs import ServiceInputs
from bot.analysis.models import Recommendation, Values
from bot.analysis.rule_context import RuleContext
from bot.changes.kinds import (
    KIND_MODULES,
    ChangeKind,
    IncompleteKind,
    UnknownKind,
    all_kinds,
    describe_values,
    handler_for,
    kind_names,
    kind_spec,
    register,
    registered,
)
from bot.changes.verify import metrics_for
from bot.settings import load_settings
from tests.support.analysis_factories import healthy_inputs
from tests.support.change_factories import memory_rec, proposal


class NoValues(BaseModel):
    pass


def test_a_kind_without_title_or_formatter_fails_when_it_is_defined() -> None:
    with pytest.raises(IncompleteKind, match=r"Half is incomplete: define title, describe, handler, metrics"):

        class Half(ChangeKind[NoValues]):
            name = "half"
            aliases = ()
            target_hint = "anything"
            values_model = NoValues

            def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
                return {}

            def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
                return []

            def risk(self, current: Values, proposed: Values) -> str:  # type: ignore[override]
                return "low"


def test_a_kind_needs_a_pydantic_values_model() -> None:
    with pytest.raises(IncompleteKind, match="values_model"):

        class Shapeless(ChangeKind[NoValues]):
            name, title, aliases, target_hint = "shapeless", "Shapeless", (), "anything"
            values_model = dict  # type: ignore[assignment]


def variant(name: str, aliases: tuple[str, ...]) -> ChangeKind[Any]:
    """A complete kind: Lambda memory's spec under another name."""
    spec: ChangeKind[Any] = type("Variant", (type(kind_spec("lambda_memory")),), {"name": name, "aliases": aliases})()
    return spec


def test_names_and_words_cannot_be_taken_twice() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register(kind_spec("lambda_memory"))
    with pytest.raises(ValueError, match="'memory' already names 'lambda_memory'"):
        register(variant("other_memory", ("memory",)))
    with pytest.raises(IncompleteKind):
        register(object())  # type: ignore[arg-type]
    assert "other_memory" not in kind_names()


def test_every_kind_module_registers_one_complete_kind_in_order() -> None:
    assert [f"bot.changes.kinds.{name}" for name in kind_names()] == KIND_MODULES
    titles = [kind.title for kind in all_kinds()]
    assert len(set(titles)) == len(titles)
    live = healthy_inputs()
    for kind in all_kinds():
        for values in kind.live_targets(live).values():  # each kind words its own live values
            assert describe_values(kind.name, values) and kind.describes(values)


def test_an_unknown_kind_is_an_error_not_a_default() -> None:
    with pytest.raises(UnknownKind, match="unknown change kind 'iam_policy'; known kinds: lambda_memory"):
        kind_spec("iam_policy")
    with pytest.raises(ValidationError, match="unknown change kind"):
        Recommendation.model_validate(memory_rec().model_dump() | {"kind": "iam_policy"})
    with pytest.raises(ValidationError, match="unknown change kind"):
        proposal(kind="iam_policy")
    with pytest.raises(UnknownKind):
        compute_risk(memory_rec().model_copy(update={"kind": "iam_policy"}))  # once fell through to the breaker rule
    with pytest.raises(UnknownKind):  # once verified against API latency
        metrics_for(proposal().model_copy(update={"kind": "iam_policy"}), load_settings({}))
    with pytest.raises(UnknownKind):
        handler_for("iam_policy")
    with pytest.raises(UnknownKind):
        describe_values("iam_policy", {"x": 1})


def test_registered_is_undone_even_when_the_block_fails() -> None:
    spare = variant("spare_memory", ())
    with pytest.raises(RuntimeError), registered(spare):
        assert "spare_memory" in kind_names()
        raise RuntimeError
    assert "spare_memory" not in kind_names()


def test_a_kind_module_without_kind_fails_the_import(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.changes.kinds import registry

    monkeypatch.setattr(registry, "KIND_MODULES", ["bot.changes.kinds.lambda_memory", "bot.changes.kinds.metrics"])
    monkeypatch.setattr(registry, "_kinds", {})
    monkeypatch.setattr(registry, "_loaded", False)
    with pytest.raises(IncompleteKind, match=r"bot\.changes\.kinds\.metrics defines no KIND"):
        registry.load_kinds()
    assert registry._kinds == {} and not registry._loaded  # nothing half-registered


@pytest.mark.parametrize(
    ("kind", "target", "proposed", "reason"),
    [
        (
            "apigw_throttling",
            "monitoring-api/dev",
            {"rate_limit": "fast", "burst_limit": 10},
            "rate_limit must be a number, got 'fast'",
        ),
        (
            "apigw_cache",
            "monitoring-api/dev",
            {"enabled": False, "cluster_size_gb": 0.5, "ttl_s": 0},
            "cluster_size_gb: Input should be a valid string",
        ),
        ("lambda_memory", "monitoring-api-dev", {}, "lambda_memory values must be exactly ['memory_mb'], got []"),
        (
            "breaker_thresholds",
            "monitoring-api",
            {"failure_threshold": 5, "open_timeout_s": 700, "half_open_success_threshold": 3},
            "open_timeout_s 700 is outside 5–600",
        ),
    ],
)
def test_values_models_say_what_is_wrong_in_the_guardrails_words(
    kind: str, target: str, proposed: Values, reason: str
) -> None:
    from bot.changes.kinds import ValueProblem

    with pytest.raises(ValueProblem) as problem:
        kind_spec(kind).check_values(target, proposed, healthy_inputs())
    assert str(problem.value) == reason
