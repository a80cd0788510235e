"""`/perf health` end to end: an alarm through handlers.alarms (its role) leaves the heartbeat, a failed event waits
in the queue, CloudWatch holds perfbot's own errors; a signed `/perf health` through handlers.slack (its role) shows
all of it — and what it cannot read, it says, without failing the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

import bot
from tests.support.alarm_helpers import CHANNEL, Clock, alarm, event, invoke, slash, top_level

pytestmark = pytest.mark.functional


def _health_message(stack: Any) -> Any:
    (message,) = [m for m in top_level(stack) if "perfbot health" in json.dumps(m.blocks)]
    return message


def _put_own_metric(stack: Any, function: str, metric: str, value: float) -> None:
    from bot.aws.clients import client  # operator credentials: what Lambda itself would publish

    client("cloudwatch").put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "FunctionName", "Value": f"perfbot-dev-{function}"}],
                "Timestamp": datetime.now(UTC),
                "Value": value,
                "Unit": "Count",
            }
        ],
    )


def test_health_shows_the_last_alarm_the_queue_the_errors_and_the_versions(
    stack: Any, slack_handler: Any, clock: Clock
) -> None:
    from bot.aws.clients import client

    invoke(event(alarm("API-HighLatency-P95"), "ALARM", clock.at()))
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="perfbot-dev-failed-events")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"requestContext": {"condition": "RetriesExhausted"}}))
    _put_own_metric(stack, "schedule", "Errors", 2)
    _put_own_metric(stack, "alarms", "Throttles", 1)
    _put_own_metric(stack, "slack", "Invocations", 7)

    slash(stack, slack_handler, "health")

    text = _health_message(stack).plain_text()
    assert "perfbot health — dev" in text and "needs a look" in text
    assert "Last alarm handled:* API-HighLatency-P95 (ALARM, posted)" in text
    assert "1 waiting" in text
    assert "Errors (last hour):* 2" in text
    assert "`perfbot-dev-schedule`: 2 error(s), 0 throttle(s)" in text
    assert "`perfbot-dev-alarms`: 0 error(s), 1 throttle(s)" in text
    assert "`perfbot-dev-slack`: 0 error(s), 0 throttle(s), 7 invocation(s)" in text
    assert f"perfbot {bot.__version__}" in text and "boto3 " in text and "python " in text
    assert not stack.aws.denials  # the slack role reads the queue and metrics; the alarms role writes the heartbeat


def test_a_fresh_deployment_is_healthy_and_has_handled_no_alarm_yet(stack: Any, slack_handler: Any) -> None:
    slash(stack, slack_handler, "health")
    text = _health_message(stack).plain_text()
    assert "healthy" in text and "needs a look" not in text
    assert "Last alarm handled:* none yet" in text and "0 waiting" in text and "Errors (last hour):* 0" in text


def test_what_cannot_be_read_is_said_and_the_rest_is_shown(stack: Any, slack_handler: Any) -> None:
    from bot.aws.clients import client

    client("sqs").delete_queue(QueueUrl=client("sqs").get_queue_url(QueueName="perfbot-dev-failed-events")["QueueUrl"])
    slash(stack, slack_handler, "health")
    text = _health_message(stack).plain_text()
    assert "Failed-events queue:* unknown" in text
    assert "failed-events queue: GetQueueUrl failed" in text and "NonExistentQueue" in text
    assert "Errors (last hour):* 0" in text and "needs a look" in text


def test_health_takes_no_arguments(stack: Any, slack_handler: Any) -> None:
    slash(stack, slack_handler, "health now")
    (answer,) = stack.slack.ephemerals(CHANNEL)
    assert "Usage: `/perf health`" in answer.text


def test_the_cli_prints_the_same_health_and_exits_1_when_it_needs_a_look(stack: Any, capsys: Any) -> None:
    from bot.aws.clients import client
    from bot.cli import main

    assert main(["health"]) == 0
    out = capsys.readouterr().out
    assert "perfbot health — dev: healthy" in out and "last alarm handled: none yet" in out
    assert f"perfbot {bot.__version__}" in out and "failed-events queue: 0 waiting" in out

    url = client("sqs").get_queue_url(QueueName="perfbot-dev-failed-events")["QueueUrl"]
    client("sqs").send_message(QueueUrl=url, MessageBody="{}")
    assert main(["health"]) == 1
    assert "needs a look" in capsys.readouterr().out
