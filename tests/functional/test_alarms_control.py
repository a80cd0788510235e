"""Exactly once, bad input, maintenance, silence, acknowledge and escalation — through the real handlers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack import lambdas
from tests.conftest import load_event
from tests.support.alarm_helpers import CHANNEL, Clock, alarm, click, event, invoke, slash, top_level

pytestmark = pytest.mark.functional


def notes(stack: Any, message: Any) -> list[str]:
    return [r.text for r in stack.slack.replies(CHANNEL, message.ts) if r.ts != message.ts]


def test_a_redelivered_message_posts_nothing_new(stack: Any, clock: Clock) -> None:
    first = invoke(load_event("alarms_sns_metric_alarm.json"))
    calls = sum(stack.slack.calls.values())
    again = invoke(load_event("alarms_sns_metric_alarm.json"))  # same SNS MessageId

    assert first["posted"] == 1 and again["duplicate"] == 1 and again["accounted"] == 1
    assert sum(stack.slack.calls.values()) == calls


def test_a_redelivered_eventbridge_event_posts_nothing_new(stack: Any, clock: Clock) -> None:
    invoke(load_event("alarms_eventbridge_metric.json"))
    posts = stack.slack.calls["chat.postMessage"]
    assert invoke(load_event("alarms_eventbridge_metric.json"))["duplicate"] == 1
    assert stack.slack.calls["chat.postMessage"] == posts


def test_bad_records_are_rejected_and_the_rest_of_the_batch_is_delivered(stack: Any, clock: Clock, caplog: Any) -> None:
    good = load_event("alarms_sns_metric_alarm.json")["Records"][0]
    other = load_event("alarms_sns_metric_math.json")["Records"][0]
    malformed = json.loads(json.dumps(good))
    malformed["Sns"]["MessageId"] = "bad-json"
    malformed["Sns"]["Message"] = '{"AlarmName": "API-HighLatency-P95", "NewStateValue": '
    unknown = json.loads(json.dumps(good))
    unknown["Sns"]["MessageId"] = "not-an-alarm"
    unknown["Sns"]["Message"] = json.dumps({"hello": "world"})
    oversized = json.loads(json.dumps(good))
    oversized["Sns"]["MessageId"] = "huge-name"
    oversized["Sns"]["Message"] = json.dumps(json.loads(good["Sns"]["Message"]) | {"AlarmName": "A" * 5000})
    not_sns = {"EventSource": "aws:sqs", "messageId": "sqs-1"}
    batch = {"Records": [malformed, good, unknown, oversized, not_sns, other]}

    summary = invoke(batch)

    assert summary["received"] == 6 and summary["rejected"] == 4 and summary["posted"] == 2
    assert {m.blocks[0]["text"]["text"].split(" · ")[1] for m in top_level(stack)} == {
        "API-HighLatency-P95",
        "DynamoDB-HighLatency",
    }
    rejected = [r for r in caplog.records if r.getMessage() == "alarm_record_rejected"]
    assert {getattr(r, "message_id", None) for r in rejected} >= {"bad-json", "not-an-alarm", "huge-name"}


def test_an_unknown_event_shape_is_rejected_without_side_effects(stack: Any, clock: Clock) -> None:
    scheduled = {
        "version": "0",
        "id": "e1",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-26T18:55:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }
    assert invoke(scheduled)["rejected"] == 1
    assert invoke({"hello": "world"})["rejected"] == 1
    assert sum(stack.slack.calls.values()) == 0


def test_maintenance_command_suppresses_and_summarises(stack: Any, slack_handler: Any, clock: Clock) -> None:
    slash(stack, slack_handler, "maintenance on 30m")
    assert any(
        "Maintenance mode is *on*" in m.plain_text() or "Maintenance mode is on" in m.plain_text()
        for m in top_level(stack)
    )
    for i in range(3):
        clock.advance(minutes=1)
        assert invoke(event(alarm(), "ALARM", clock.at(), observed=700.0 + i))["suppressed"] == 1
    invoke(event(alarm("Lambda-HighDuration"), "ALARM", clock.at()))
    assert not [m for m in top_level(stack) if "API-HighLatency-P95" in m.plain_text()]

    slash(stack, slack_handler, "maintenance off")

    summary = next(m for m in top_level(stack) if "Maintenance ended" in m.plain_text())
    text = summary.plain_text()
    assert "4 notifications were suppressed" in text
    assert "API-HighLatency-P95 — 3 notifications" in text.replace("*", "")
    assert "Still in ALARM" in text


def test_maintenance_status_and_bad_arguments(stack: Any, slack_handler: Any, clock: Clock) -> None:
    slash(stack, slack_handler, "maintenance status")
    assert any("off" in m.plain_text() for m in top_level(stack))
    slash(stack, slack_handler, "maintenance on forever")
    assert any("not a duration" in e.text for e in stack.slack.ephemerals())
    assert invoke(event(alarm(), "ALARM", clock.at()))["posted"] == 1


def test_the_maintenance_alarm_suppresses_until_it_recovers(stack: Any, clock: Clock) -> None:
    switch = alarm(
        "System-Maintenance-Mode",
        Namespace="MonitoringApp/Operations",
        MetricName="MaintenanceMode",
        Dimensions=[],
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        ExtendedStatistic=None,
        Statistic="Maximum",
        Period=60,
    )
    invoke(event(switch, "ALARM", clock.at(), observed=1.0))
    clock.advance(minutes=2)
    assert invoke(event(alarm(), "ALARM", clock.at()))["suppressed"] == 1
    clock.advance(minutes=20)
    invoke(event(switch, "OK", clock.at(), previous="ALARM", observed=0.0))

    texts = [m.plain_text() for m in top_level(stack)]
    assert any("Maintenance mode is *on*" in t or "Maintenance mode is on" in t for t in texts)
    assert any("Maintenance ended" in t and "API-HighLatency-P95" in t for t in texts)
    assert invoke(event(alarm(), "ALARM", clock.advance(minutes=1), previous="ALARM"))["posted"] == 1


def test_acknowledge_by_signed_click_records_who(stack: Any, slack_handler: Any, clock: Clock) -> None:
    invoke(event(alarm(), "ALARM", clock.at()))
    [message] = top_level(stack)

    response = click(stack, slack_handler, "alarm_ack", message, user="U0APPROVER1")

    assert response["statusCode"] == 200
    [message] = top_level(stack)
    assert "Acknowledged by" in message.plain_text() and "<@U0APPROVER1>" in json.dumps(message.blocks)
    assert "alarm_ack" not in json.dumps(message.blocks)
    assert any("acknowledged" in n and "U0APPROVER1" in n for n in notes(stack, message))
    from bot.alarms.service import stores
    from bot.settings import get_settings

    incident = stores(get_settings())[0].get("API-HighLatency-P95")
    assert incident is not None and incident.acked_by == "U0APPROVER1"


def test_an_unsigned_click_changes_nothing(stack: Any, slack_handler: Any, clock: Clock) -> None:
    invoke(event(alarm(), "ALARM", clock.at()))
    [message] = top_level(stack)
    stack.signing_secret, real = "wrong-secret", stack.signing_secret
    try:
        response = click(stack, slack_handler, "alarm_ack", message)
    finally:
        stack.signing_secret = real
    assert response["statusCode"] == 401
    assert "Acknowledged" not in top_level(stack)[0].plain_text()


def test_silence_one_hour_counts_repeats_without_posting(stack: Any, slack_handler: Any, clock: Clock) -> None:
    invoke(event(alarm(), "ALARM", clock.at()))
    [message] = top_level(stack)
    click(stack, slack_handler, "alarm_silence_1h", message, user="U0BOB")
    [message] = top_level(stack)
    assert "Silenced until" in message.plain_text() and "<@U0BOB>" in json.dumps(message.blocks)
    posts = stack.slack.calls["chat.postMessage"]

    clock.advance(minutes=10)
    assert invoke(event(alarm(), "ALARM", clock.at(), previous="ALARM"))["counted"] == 1
    assert stack.slack.calls["chat.postMessage"] == posts
    clock.advance(minutes=61)
    assert invoke(event(alarm(), "ALARM", clock.at(), previous="ALARM"))["threaded"] == 1


def test_silence_until_ok_ends_with_the_recovery(stack: Any, slack_handler: Any, clock: Clock) -> None:
    invoke(event(alarm(), "ALARM", clock.at()))
    click(stack, slack_handler, "alarm_silence_until_ok", top_level(stack)[0])
    clock.advance(hours=3)
    assert invoke(event(alarm(), "ALARM", clock.at(), previous="ALARM"))["counted"] == 1
    clock.advance(minutes=5)
    assert invoke(event(alarm(), "OK", clock.at(), previous="ALARM", observed=100.0))["resolved"] == 1


def test_an_unacknowledged_alarm_is_escalated_once(stack: Any, clock: Clock) -> None:

    invoke(event(alarm(), "ALARM", clock.at()))
    invoke(event(alarm("Lambda-HighDuration"), "ALARM", clock.at()))
    clock.advance(minutes=3)
    assert lambdas.invoke("schedule", {"task": "escalate"})["escalated"] == []

    clock.advance(minutes=3)
    first = lambdas.invoke("schedule", {"task": "escalate"})
    again = lambdas.invoke("schedule", {"task": "escalate"})

    assert sorted(first["escalated"]) == ["API-HighLatency-P95", "Lambda-HighDuration"] and again["escalated"] == []
    message = next(m for m in top_level(stack) if "API-HighLatency-P95" in m.blocks[0]["text"]["text"])
    escalations = [r for r in stack.slack.replies(CHANNEL, message.ts) if "nobody acknowledged" in r.text]
    assert len(escalations) == 1 and escalations[0].text.startswith(":rotating_light: <!here>")
    assert "Escalated" in message.plain_text()


def test_an_acknowledged_alarm_is_not_escalated(stack: Any, slack_handler: Any, clock: Clock) -> None:

    invoke(event(alarm(), "ALARM", clock.at()))
    click(stack, slack_handler, "alarm_ack", top_level(stack)[0])
    clock.advance(minutes=30)
    assert lambdas.invoke("schedule", {"task": "escalate"})["escalated"] == []


def test_the_same_change_via_sns_and_eventbridge_posts_once(stack: Any, clock: Clock) -> None:
    sns = invoke(load_event("alarms_sns_metric_alarm.json"))
    eventbridge = invoke(load_event("alarms_eventbridge_metric.json"))  # same alarm, state and time; other id

    assert sns["posted"] == 1 and eventbridge["duplicate"] == 1
    [message] = top_level(stack)
    assert "Fired 2×" not in message.plain_text()
    assert not [r for r in stack.slack.replies(CHANNEL, message.ts) if "fired again" in r.text]


def test_a_slack_429_is_waited_out_and_the_alarm_posts_once(stack: Any, clock: Clock) -> None:
    stack.slack.rate_limit("chat.postMessage", times=1, retry_after=0)  # Slack: "ratelimited", Retry-After: 0

    summary = invoke(load_event("alarms_sns_metric_alarm.json"))

    assert summary["posted"] == 1 and summary["accounted"] == 1 and not summary["failures"]
    assert stack.slack.rate_limited["chat.postMessage"] == 1  # slack_sdk's RateLimitErrorRetryHandler retried it
    assert len(top_level(stack)) == 1


def test_when_slack_fails_the_retry_posts_the_alarm(stack: Any, clock: Clock) -> None:
    import handlers.alarms

    event_ = load_event("alarms_sns_metric_alarm.json")
    stack.slack.rate_limit("chat.postMessage", times=20, retry_after=0)  # beyond slack_sdk's retries
    with pytest.raises(handlers.alarms.AlarmDeliveryFailed):
        invoke(event_)
    assert not top_level(stack)

    stack.slack.reset()
    retried = invoke(event_)  # Lambda's async retry: same SNS message id

    assert retried["posted"] == 1 and len(top_level(stack)) == 1


def test_an_expired_maintenance_window_is_summarised_by_the_schedule(
    stack: Any, slack_handler: Any, clock: Clock
) -> None:

    slash(stack, slack_handler, "maintenance on 10m")
    clock.advance(minutes=2)
    assert invoke(event(alarm(), "ALARM", clock.at()))["suppressed"] == 1
    clock.advance(minutes=9)

    result = lambdas.invoke("schedule", {"task": "escalate"})
    again = lambdas.invoke("schedule", {"task": "escalate"})

    assert result["maintenance_summarised"] is True and again["maintenance_summarised"] is False
    summary = next(m for m in top_level(stack) if "Maintenance ended" in m.plain_text())
    assert "ran out" in summary.plain_text() and "API-HighLatency-P95" in summary.plain_text()
    clock.advance(minutes=1)
    assert invoke(event(alarm(), "ALARM", clock.at(), previous="ALARM"))["posted"] == 1


def test_a_second_acknowledge_tells_who_was_first(stack: Any, slack_handler: Any, clock: Clock) -> None:
    invoke(event(alarm(), "ALARM", clock.at()))
    message = top_level(stack)[0]
    click(stack, slack_handler, "alarm_ack", message, user="U0APPROVER1")
    notes_before = len(notes(stack, message))

    click(stack, slack_handler, "alarm_ack", message, user="U0BOB")  # Bob still had the old message on screen

    assert any("Already acknowledged by <@U0APPROVER1>" in e.text for e in stack.slack.ephemerals(user="U0BOB"))
    assert len(notes(stack, message)) == notes_before


def test_one_batch_with_two_changes_of_one_alarm_posts_one_message(stack: Any, clock: Clock) -> None:
    from devstack.alarm_events import alarm_message, sns_event

    fired = clock.advance(minutes=1)
    batch = sns_event(
        [
            alarm_message(alarm(), "ALARM", previous="OK", at=fired, observed=812.0),
            alarm_message(alarm(), "OK", previous="ALARM", at=clock.advance(minutes=12), observed=120.0),
        ]
    )

    summary = invoke(batch)

    [message] = top_level(stack)
    assert summary["posted"] == 1 and summary["resolved"] == 1 and summary["accounted"] == 2
    assert "resolved after 12 min" in message.text.lower() or "resolved" in json.dumps(message.blocks).lower()
