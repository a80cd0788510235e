"""Property: whatever CloudWatch-like input arrives, handlers.alarms.handler raises nothing for bad records, reports
each of them, and still delivers the good records of the same batch (SNS batches; EventBridge events and alarm
actions one per invocation, as AWS sends them)."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.alarm_events import alarm_action_event, alarm_message, eventbridge_event, sns_event
from tests.support.alarm_helpers import Clock, alarm, invoke

pytestmark = pytest.mark.functional

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure here is reproducible, never flaky
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SNS_FOCUS = [("message", "Trigger"), ("message", "Trigger", "Dimensions"), ("message", "NewStateValue")]
EVENT_FOCUS = [("detail",), ("alarmData",), ("detail", "configuration", "metrics"), ("alarmData", "configuration")]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any], focus: list[tuple[Any, ...]] | None = None) -> dict[str, Any]:
    """``document`` with one to three of its values (at any depth) replaced by arbitrary JSON, or removed; half of
    the time below one of the ``focus`` paths (where the interesting types are: dimensions, metrics, states)."""
    doc = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        under = draw(st.sampled_from([(), *(focus or [])]))
        paths = [p for p in _paths(doc) if p[: len(under)] == under]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return doc


def _message(clock: Clock, name: str) -> dict[str, Any]:
    return alarm_message(alarm(name), "ALARM", previous="OK", at=clock.at(), observed=812.0)


def _posted(stack: Any, name: str) -> bool:
    return any(name in m.text or name in json.dumps(m.blocks) for m in stack.slack.messages("#perf-alerts"))


@given(data=st.data())
@FUZZ
def test_fuzzed_sns_records_never_escape_and_the_good_record_is_posted(stack: Any, clock: Clock, data: Any) -> None:
    clock.advance(minutes=10)  # each example its own storm window
    base = _message(clock, "Fuzz-Base")
    bad: list[dict[str, Any]] = []
    for _ in range(data.draw(st.integers(1, 3))):
        document = {"record": sns_event([base])["Records"][0], "message": base}
        fuzzed = data.draw(mutated(document, SNS_FOCUS))
        record = fuzzed.get("record")
        if isinstance(record, dict) and isinstance(record.get("Sns"), dict) and "message" in fuzzed:
            record["Sns"]["Message"] = json.dumps(fuzzed["message"])
        bad.append(record if record is not None else fuzzed)
    good_name = f"Fuzz-Good-{uuid.uuid4().hex[:8]}"
    good = sns_event([_message(clock, good_name)])["Records"][0]
    batch = {"Records": [*bad, good]}

    summary = invoke(batch)  # raises if anything escapes the handler

    assert summary["received"] == len(batch["Records"])
    assert summary["accounted"] + summary["rejected"] == summary["received"]
    assert not summary.get("failed")
    assert _posted(stack, good_name)


@given(data=st.data(), shape=st.sampled_from(["eventbridge", "alarm_action"]))
@FUZZ
def test_fuzzed_eventbridge_and_alarm_action_events_are_rejected_or_handled(
    stack: Any, clock: Clock, data: Any, shape: str
) -> None:
    clock.advance(minutes=10)
    message = _message(clock, f"Fuzz-{shape}-{uuid.uuid4().hex[:8]}")
    event = eventbridge_event(message, observed=812.0) if shape == "eventbridge" else alarm_action_event(message)

    summary = invoke(data.draw(mutated(event, EVENT_FOCUS)))

    assert summary["received"] == 1
    assert summary["accounted"] + summary["rejected"] == 1
    assert not summary.get("failed")
