"""A new change kind is one module: this file defines a toy kind (Lambda timeout) and sees it everywhere.

Registered for each test only, it shows up in the rule engine, the guardrails (risk computed, an out-of-range value
dropped with its reason), the Bedrock prompt and tool schema, the /perf analyze words, the analysis summary and the
proposal card, the change orchestrator (approve → applied → read back → undo) and post-change verification.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.guardrails import apply_guardrails
from bot.analysis.inputs import LambdaInputs, ServiceInputs
from bot.analysis.models import AnalysisResult, Impact, Recommendation, Risk, Values
from bot.analysis.prompt import system_prompt, tool_config, user_message
from bot.analysis.rule_context import RuleContext
from bot.analysis.rules import run_rules
from bot.aws.cloudwatch import MetricQuery, Series
from bot.changes.authorize import Click
from bot.changes.kinds import ChangeHandler, ChangeKind, InvalidChange, WholeNumber, as_int, kind_names, registered
from bot.changes.orchestrator import ChangeOrchestrator
from bot.changes.verify import measure
from bot.settings import MaxStep, Settings, load_settings
from bot.slack.listeners.analysis import parse_analyze_args
from bot.slack.render import changes as cards
from bot.slack.render.analysis import summary_blocks
from tests.support.analysis_factories import FUNCTION, SERVICE, context, healthy_inputs, healthy_lambda
from tests.support.change_factories import FakeDirectory
from tests.support.fakes import flow

# -- the toy kind: everything it needs, in one place ------------------------------------------------------------

FUNCTIONS: dict[str, int] = {}  # the "AWS" this kind changes: function → timeout, in memory


class TimeoutValues(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout_s: WholeNumber = Field(ge=1, le=900, description="the function's timeout, seconds")


class TimeoutHandler(ChangeHandler):
    def read_current(self, target: str) -> Values:
        return {"timeout_s": FUNCTIONS[target]}

    def validate(self, target: str, after: Values) -> None:
        if target not in FUNCTIONS:
            raise InvalidChange(f"no function {target!r}")
        as_int(after, "timeout_s", low=1, high=900)

    def apply(self, target: str, after: Values) -> list[str]:
        FUNCTIONS[target] = int(after["timeout_s"])
        return [f"req-{target}-{after['timeout_s']}"]

    def wait_until_done(self, target: str) -> None:
        """Applied synchronously."""


def timeout_rule(fn: LambdaInputs) -> Recommendation | None:
    """p95 duration above 80 % of the timeout: double it, before the slow tail becomes timeouts."""
    limit_ms = fn.timeout_s * 1000
    if fn.duration_p95_ms is None or fn.duration_p95_ms <= 0.8 * limit_ms:
        return None
    return Recommendation(
        kind="lambda_timeout",
        service=SERVICE,
        target=fn.name,
        current={"timeout_s": fn.timeout_s},
        proposed={"timeout_s": min(900, fn.timeout_s * 2)},
        rationale=f"p95 duration {fn.duration_p95_ms:.0f} ms is over 80 % of the {fn.timeout_s} s timeout.",
        impact=Impact(summary="fewer timeouts"),
        confidence=0.7,
    )


class LambdaTimeout(ChangeKind[TimeoutValues]):
    name = "lambda_timeout"
    title = "Lambda timeout"
    aliases = ("timeout",)
    target_hint = "function name"
    values_model = TimeoutValues

    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        return {fn.name: {"timeout_s": fn.timeout_s} for fn in inputs.lambdas}

    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        return [rec for fn in inputs.lambdas if (rec := timeout_rule(fn)) is not None]

    def risk(self, current: Values, proposed: Values) -> Risk:
        return "low" if int(proposed["timeout_s"]) > int(current["timeout_s"]) else "high"

    def handler(self) -> ChangeHandler:
        return TimeoutHandler()

    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        dims = (("FunctionName", target),)
        return [MetricQuery(id="m0", namespace="AWS/Lambda", metric="Errors", dimensions=dims, stat="Sum", period=60)]

    def describe(self, values: Values) -> str:
        return f"{values['timeout_s']} s"


TOY = LambdaTimeout()

# -- where it shows up ------------------------------------------------------------------------------------------

SLOW = healthy_lambda(timeout_s=3, duration_p95_ms=2900)
ALICE = "U0APPROVER1"
CLICK = Click(user=ALICE, channel_id="C0PERFALRT", channel_name="perf-alerts")


@pytest.fixture(autouse=True)
def toy() -> Iterator[LambdaTimeout]:
    with registered(TOY):
        yield TOY
    assert "lambda_timeout" not in kind_names()


def toy_rec(proposed: int, current: int = 3) -> Recommendation:
    return Recommendation(
        kind="lambda_timeout",
        service=SERVICE,
        target=FUNCTION,
        current={"timeout_s": current},
        proposed={"timeout_s": proposed},
        rationale="test",
        confidence=0.5,
    )


def test_the_rule_engine_runs_its_rules() -> None:
    recs = run_rules(healthy_inputs(fn=SLOW), context(), "lambda_timeout")
    assert [(r.kind, r.target, r.current, r.proposed) for r in recs] == [
        ("lambda_timeout", FUNCTION, {"timeout_s": 3}, {"timeout_s": 6})
    ]
    assert run_rules(healthy_inputs(), context(), "lambda_timeout") == []


def test_guardrails_compute_its_risk_and_drop_its_invalid_values() -> None:
    result = apply_guardrails([toy_rec(6), toy_rec(1200, current=3)], healthy_inputs(fn=SLOW), MaxStep())
    assert [(r.proposed, r.risk) for r in result.accepted] == [({"timeout_s": 6}, "low")]
    assert [d.reason for d in result.dropped] == ["timeout_s 1200 is outside 1–900"]
    lower = apply_guardrails([toy_rec(2)], healthy_inputs(fn=SLOW), MaxStep())
    assert lower.accepted[0].risk == "high"


def test_the_model_is_told_about_it() -> None:
    tool = tool_config()["tools"][0]["toolSpec"]
    item = tool["inputSchema"]["json"]["properties"]["recommendations"]["items"]["properties"]
    assert "lambda_timeout" in item["kind"]["enum"]
    assert "lambda_timeout: function name" in item["target"]["description"]
    shapes = json.loads(tool["description"].split(": ", 1)[1])
    assert shapes["lambda_timeout"]["properties"]["timeout_s"] | {"title": ""} == {
        "type": "integer",
        "minimum": 1,
        "maximum": 900,
        "description": "the function's timeout, seconds",
        "title": "",
    }
    assert "lambda_timeout" in system_prompt()
    facts = json.loads(
        user_message(healthy_inputs(fn=SLOW), load_settings({}), kind=None, context_text=None).split("\n\n")[1]
    )
    assert facts["changeable_resources"]["lambda_timeout"] == {FUNCTION: {"timeout_s": 3}}


def test_perf_analyze_knows_its_word_and_the_summary_its_title() -> None:
    assert parse_analyze_args(["timeout"], kind_names(), [SERVICE]) == ("lambda_timeout", None)
    result = AnalysisResult(service=SERVICE, recommendations=[toy_rec(6)])
    assert f"Lambda timeout `{FUNCTION}`: 3 s → 6 s" in json.dumps(summary_blocks(result), ensure_ascii=False)


class RecordingCloudWatch:
    def __init__(self, applied: datetime) -> None:
        self.applied = applied
        self.queries: list[MetricQuery] = []

    def get_metric_data(self, queries: list[MetricQuery], start: datetime, end: datetime) -> dict[str, Series]:
        self.queries += queries
        times = [self.applied + timedelta(minutes=m) for m in range(-5, 5)]
        return {"m0": Series("m0", "", times, [4.0] * 5 + [1.0] * 5)}


def test_card_apply_verify_and_undo_through_the_orchestrator() -> None:
    FUNCTIONS[FUNCTION] = 3
    f = flow()
    orch = ChangeOrchestrator(
        f.orch.settings, f.store, f.audit, f.notifier
    )  # the kind's own handler, from the registry
    p = orch.propose(toy_rec(6), "perfbot", "C0PERFALRT")
    text, blocks = cards.card(p)
    card = json.dumps(blocks, ensure_ascii=False)
    assert "Proposed change: Lambda timeout — monitoring-api-dev" in text
    assert "*Now*\\n3 s" in card and "*Proposed*\\n6 s" in card

    outcome = orch.approve(p.id, CLICK, FakeDirectory())
    assert outcome.status == "applied" and FUNCTIONS[FUNCTION] == 6
    applied = orch.store.get(p.id)
    assert (applied.read_back, applied.aws_request_ids) == ({"timeout_s": 6}, [f"req-{FUNCTION}-6"])
    assert "3 s → 6 s (read back from AWS)" in json.dumps(cards.card(applied)[1], ensure_ascii=False)

    cloudwatch = RecordingCloudWatch(datetime.fromisoformat(applied.applied_at))
    verdict = measure(applied, load_settings({}), cloudwatch)  # type: ignore[arg-type]
    assert [(q.namespace, q.metric, q.dimensions) for q in cloudwatch.queries] == [
        ("AWS/Lambda", "Errors", (("FunctionName", FUNCTION),))
    ]
    assert verdict.metric == "Errors Sum" and not verdict.regression

    # the undo lowers the timeout: high risk by the kind's own rule, so another approver approves it
    pending = orch.undo(p.id, CLICK, FakeDirectory())
    undo = pending.proposal
    assert pending.status == "pending" and undo is not None
    assert (undo.before, undo.after, undo.risk) == ({"timeout_s": 6}, {"timeout_s": 3}, "high")
    other = Click(user="U0APPROVER2", channel_id="C0PERFALRT")
    assert orch.approve(undo.id, other, FakeDirectory()).status == "applied" and FUNCTIONS[FUNCTION] == 3
