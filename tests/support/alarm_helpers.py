"""Helpers for the alarm functional tests: real-format events, a controllable clock, signed button clicks."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack import lambdas, slack_requests
from devstack.alarm_events import alarm_message, sns_event

CHANNEL = "#perf-alerts"
LATENCY_ALARM: dict[str, Any] = {
    "AlarmName": "API-HighLatency-P95",
    "AlarmDescription": "API Gateway P95 latency of monitoring-api above the 500 ms SLO over 5 minutes.",
    "Namespace": "AWS/ApiGateway",
    "MetricName": "Latency",
    "Dimensions": [{"Name": "ApiName", "Value": "monitoring-api"}],
    "ExtendedStatistic": "p95",
    "Period": 300,
    "EvaluationPeriods": 1,
    "DatapointsToAlarm": 1,
    "Threshold": 500.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
}


class Clock:
    """The pipeline's clock in tests: starts at a fixed time, moves only when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:  # pacing waits advance simulated time instead of blocking the test
        self.slept += seconds
        self.now += seconds

    def at(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta).total_seconds()
        return self.at()


def alarm(name: str = "API-HighLatency-P95", **changes: Any) -> dict[str, Any]:
    return LATENCY_ALARM | {"AlarmName": name} | changes


def event(
    definition: dict[str, Any],
    state: str,
    at: datetime,
    *,
    previous: str = "OK",
    observed: float = 812.0,
    message_id: str | None = None,
) -> dict[str, Any]:
    message = alarm_message(definition, state, previous=previous, at=at, observed=observed)
    return sns_event([message], message_ids=[message_id or str(uuid.uuid4())])


def invoke(event_: dict[str, Any]) -> dict[str, Any]:
    """SNS → the alarms function (its role, its context)."""
    return dict(lambdas.invoke("alarms", event_))


def click(stack: Any, slack_handler: Any, action_id: str, message: Any, user: str = "U0APPROVER1") -> dict[str, Any]:
    """A signed block_actions request for a button of ``message`` through handlers.slack.handler."""
    button = next(
        e for b in message.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id
    )
    channel_id = stack.slack.channel_id(CHANNEL)
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T0PERFBOT"},
        "api_app_id": "A0PERFBOT",
        "token": "deprecated-verification-token",
        "container": {"type": "message", "message_ts": message.ts, "channel_id": channel_id, "is_ephemeral": False},
        "trigger_id": f"{int(time.time())}.1.trigger",
        "team": {"id": "T0PERFBOT", "domain": "perfbot-demo"},
        "channel": {"id": channel_id, "name": CHANNEL.lstrip("#")},
        "message": {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks},
        "response_url": stack.slack.response_url(channel_id, user, message.ts),
        "actions": [button | {"block_id": "alarm_actions", "action_ts": f"{time.time():.6f}"}],
    }
    body = slack_requests.block_action_body(payload)
    response = lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))
    lambdas.wait_idle()
    return dict(response)


def slash(stack: Any, slack_handler: Any, text: str, user: str = "U0APPROVER1") -> dict[str, Any]:
    channel_id = stack.slack.channel_id(CHANNEL)
    body = slack_requests.slash_command_body(
        text, user_id=user, channel_id=channel_id, response_url=stack.slack.response_url(channel_id, user)
    )
    response = lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))
    lambdas.wait_idle()
    return dict(response)


def top_level(stack: Any) -> list[Any]:
    return [m for m in stack.slack.messages(CHANNEL) if not m.is_reply]


def dumps(message: Any) -> str:
    return json.dumps(message.blocks) + message.text
