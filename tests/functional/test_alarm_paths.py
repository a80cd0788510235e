"""The three ways CloudWatch reaches perfbot — SNS, EventBridge and the Lambda alarm action — for every alarm kind,
and the same state change arriving by more than one of them (or twice) posting once."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from devstack.alarm_events import alarm_action_event, eventbridge_event, sns_event
from tests.conftest import load_event
from tests.support.alarm_helpers import Clock, invoke, top_level

pytestmark = pytest.mark.functional

KINDS = {
    "metric": ("alarms_sns_metric_alarm.json", "ALARM · API-HighLatency-P95"),
    "metric_math": ("alarms_sns_metric_math.json", "ALARM · DynamoDB-HighLatency"),
    "anomaly": ("alarms_sns_anomaly.json", "ALARM · Lambda-Duration-Anomaly"),
    "composite": ("alarms_sns_composite.json", "ALARM · Smart-Performance-Alert"),
}


def cloudwatch_message(fixture: str) -> dict[str, Any]:
    return dict(json.loads(load_event(fixture)["Records"][0]["Sns"]["Message"]))


def shaped(shape: str, message: dict[str, Any]) -> dict[str, Any]:
    if shape == "sns":
        return sns_event([message])
    if shape == "eventbridge":
        return eventbridge_event(message, observed=812.0)
    return alarm_action_event(message, observed=812.0)


@pytest.mark.parametrize("shape", ["sns", "eventbridge", "alarm_action"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_arrives_by_every_path(stack: Any, clock: Clock, kind: str, shape: str) -> None:
    fixture, title = KINDS[kind]
    summary = invoke(shaped(shape, cloudwatch_message(fixture)))

    assert summary["posted"] == 1 and summary["rejected"] == 0
    [message] = top_level(stack)
    assert title in message.blocks[0]["text"]["text"]


@pytest.mark.parametrize(
    ("fixture", "title"),
    [
        ("cloudWatchAlarmEventSingleMetric.json", "ALARM · Test alert"),  # metric math (m1/m2)
        ("cloudWatchAlarmEventCompositeMetric.json", "ALARM · CompositeDemo.Main"),  # actions suppressor
    ],
)
def test_powertools_sample_alarm_action_events_are_posted(stack: Any, clock: Clock, fixture: str, title: str) -> None:
    summary = invoke(load_event(fixture))

    assert summary["posted"] == 1 and summary["rejected"] == 0
    [message] = top_level(stack)
    assert title in message.blocks[0]["text"]["text"]


def test_a_redelivered_alarm_action_posts_nothing_new(stack: Any, clock: Clock) -> None:
    first = invoke(load_event("cloudWatchAlarmEventSingleMetric.json"))
    again = invoke(load_event("cloudWatchAlarmEventSingleMetric.json"))

    assert first["posted"] == 1 and again.get("posted", 0) == 0 and again["accounted"] == 1
    assert len(top_level(stack)) == 1


@pytest.mark.parametrize("kind", list(KINDS))
def test_one_state_change_by_all_three_paths_posts_once(stack: Any, clock: Clock, kind: str) -> None:
    message = cloudwatch_message(KINDS[kind][0])
    summaries = [invoke(shaped(shape, message)) for shape in ("sns", "eventbridge", "alarm_action")]

    assert [s.get("posted", 0) for s in summaries] == [1, 0, 0]
    assert all(s["accounted"] == 1 and s["rejected"] == 0 for s in summaries)
    assert len(top_level(stack)) == 1


def invoke_concurrently(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each event in its own thread, all released at once (as concurrent Lambda containers); their summaries."""
    summaries: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(events))

    def run(ev: dict[str, Any]) -> None:
        start.wait()
        try:
            summaries.append(invoke(ev))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ev,)) for ev in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    return summaries


def test_concurrent_triplets_and_redeliveries_post_once(stack: Any, clock: Clock) -> None:
    """Three paths, each delivered twice, all at once in separate threads (as concurrent Lambda containers)."""
    message = cloudwatch_message(KINDS["metric"][0])
    sns = sns_event([message])
    eventbridge = eventbridge_event(message, observed=812.0)
    events = [sns, sns, eventbridge, eventbridge, alarm_action_event(message), alarm_action_event(message)]
    summaries = invoke_concurrently(events)
    assert sum(s.get("posted", 0) for s in summaries) == 1
    assert sum(s["accounted"] for s in summaries) == len(events)
    assert len(top_level(stack)) == 1


def test_concurrent_distinct_alarms_count_into_one_storm_window_exactly(stack: Any, clock: Clock) -> None:
    """Eight alarms of one channel at once, each by SNS and EventBridge: every one is counted into the channel's
    storm window once (the incident, window and post slot are one transaction), none is lost, none posts twice."""
    from bot.alarms.storm import StormStore, pace_key
    from bot.aws.dynamodb import Table
    from bot.settings import get_settings
    from devstack.alarm_events import alarm_message
    from tests.support.alarm_helpers import alarm

    began = clock.now
    messages = [
        alarm_message(alarm(f"Concurrent-{i}"), "ALARM", previous="OK", at=clock.at(), observed=812.0) for i in range(8)
    ]
    events = [sns_event([m]) for m in messages] + [eventbridge_event(m, observed=812.0) for m in messages]
    summaries = invoke_concurrently(events)
    assert sum(s["accounted"] for s in summaries) == len(events)
    assert sum(s.get("posted", 0) + s.get("grouped", 0) for s in summaries) == 8  # each alarm once
    assert sum(s.get("duplicate", 0) for s in summaries) == 8  # each twin recognised
    settings = get_settings()
    table = Table(settings.tables.state, settings.region)
    channel = stack.slack.channel_id("#perf-alerts")
    window = table.get(StormStore.key(channel))
    assert (
        window is not None
        and window["count"] == 8
        and sorted(window["alarms"]) == sorted(f"Concurrent-{i}" for i in range(8))
    )
    threshold = settings.alarms.storm_threshold
    incidents = [m for m in top_level(stack) if "Concurrent-" in m.blocks[0]["text"]["text"]]
    assert len(incidents) == threshold - 1  # the rest went into one digest
    slot = table.get(pace_key(channel))  # one post per second per channel: each post took its own slot
    assert slot is not None and float(slot["next_at"]) >= began + threshold * settings.alarms.post_interval_s


def test_a_change_while_the_first_message_is_posted_is_shown_once_it_is(stack: Any, clock: Clock) -> None:
    """The OK arrives while the ALARM's message is still on its way to Slack: it is recorded on the incident (not
    refused, not lost), and the poster edits the message to show it."""
    import time

    from devstack import latency
    from devstack.alarm_events import alarm_message
    from tests.support.alarm_helpers import alarm

    invoke(sns_event([alarm_message(alarm("Warm-Up"), "ALARM", previous="OK", at=clock.at(), observed=812.0)]))
    firing = alarm_message(alarm(), "ALARM", previous="OK", at=clock.at(), observed=812.0)
    recovered = alarm_message(alarm(), "OK", previous="ALARM", at=clock.advance(minutes=1), observed=120.0)
    results: dict[str, dict[str, Any]] = {}
    latency.configure("slack=400ms")  # the post takes a while
    try:
        poster = threading.Thread(target=lambda: results.update(alarm=invoke(sns_event([firing]))))
        poster.start()
        time.sleep(0.2)  # the incident is claimed, its message not posted yet
        results["ok"] = invoke(sns_event([recovered]))
        poster.join()
    finally:
        latency.configure(None)

    assert results["alarm"]["posted"] == 1 and results["ok"]["counted"] == 1
    [message] = [m for m in top_level(stack) if "API-HighLatency-P95" in m.blocks[0]["text"]["text"]]
    assert message.edited and "RESOLVED · API-HighLatency-P95" in message.blocks[0]["text"]["text"]


def test_cloudwatch_invokes_the_alarms_function_as_its_alarm_action_on_transitions(stack: Any) -> None:
    """The devstack's CloudWatch runs the alarm action itself: the alarms function, invoked asynchronously with
    CloudWatch's own event when the state changes — and not when it is set to the state it already has."""
    import boto3

    from devstack import lambdas
    from tests.support.alarm_helpers import CHANNEL, LATENCY_ALARM

    function_arn = f"arn:aws:lambda:{lambdas.REGION}:{lambdas.ACCOUNT}:function:{lambdas.function_name('alarms')}"
    cloudwatch = boto3.client("cloudwatch")  # the operator, as `aws cloudwatch set-alarm-state` would be
    definition = {k: v for k, v in LATENCY_ALARM.items() if k != "TreatMissingData"}
    cloudwatch.put_metric_alarm(**definition, AlarmActions=[function_arn], OKActions=[function_arn])

    def set_state(state: str) -> None:
        cloudwatch.set_alarm_state(AlarmName=LATENCY_ALARM["AlarmName"], StateValue=state, StateReason="deploy test")
        assert lambdas.wait_idle(60)  # the asynchronous invocation (if any) has run

    set_state("ALARM")
    [message] = top_level(stack)
    assert "ALARM · API-HighLatency-P95" in message.blocks[0]["text"]["text"]
    assert stack.slack.calls["chat.postMessage"] == 1

    set_state("ALARM")  # no transition: CloudWatch notifies nobody
    assert len(top_level(stack)) == 1 and stack.slack.calls["chat.postMessage"] == 1

    set_state("OK")
    [resolved] = stack.slack.messages(CHANNEL)
    assert resolved.ts == message.ts and resolved.edited
    assert "RESOLVED · API-HighLatency-P95" in resolved.blocks[0]["text"]["text"]
