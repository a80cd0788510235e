"""Lambda alarm actions on the embedded AWS: CloudWatch invokes the function on state transitions only, with the
documented alarm-action event, asynchronously; SNS actions are not executed (as in moto)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.aws.lambda_ import local_functions

FUNCTION = "perfbot-test-alarm-action"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
TOPIC = "arn:aws:sns:us-east-1:123456789012:perfbot-alarms"


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    lock = threading.Lock()

    def run(event: dict[str, Any]) -> None:
        with lock:
            events.append(event)

    local_functions.register(FUNCTION, run)
    yield events
    local_functions.unregister(FUNCTION)


def put_alarm(cloudwatch: Any, name: str = "API-HighLatency-P95", **extra: Any) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        AlarmDescription="p95 above the SLO",
        Namespace="AWS/ApiGateway",
        MetricName="Latency",
        Dimensions=[{"Name": "ApiName", "Value": "monitoring-api"}],
        ExtendedStatistic="p95",
        Period=300,
        EvaluationPeriods=1,
        Threshold=500,
        ComparisonOperator="GreaterThanThreshold",
        **({"AlarmActions": [FUNCTION_ARN, TOPIC], "OKActions": [FUNCTION_ARN]} | extra),
    )


def set_state(cloudwatch: Any, state: str, name: str = "API-HighLatency-P95", data: str | None = None) -> None:
    kwargs = {"StateReasonData": data} if data else {}
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"test {state}", **kwargs)
    assert local_functions.wait_idle(30)


def test_a_transition_invokes_the_function_with_the_alarm_action_event(cloudwatch: Any, received: list[Any]) -> None:
    put_alarm(cloudwatch)
    reason_data = json.dumps({"version": "1.0", "recentDatapoints": [812.0], "threshold": 500.0})
    set_state(cloudwatch, "ALARM", data=reason_data)

    [event] = received
    assert event["source"] == "aws.cloudwatch"
    assert event["alarmArn"] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:API-HighLatency-P95"
    assert (event["accountId"], event["region"]) == ("123456789012", "us-east-1")
    data = event["alarmData"]
    assert data["alarmName"] == "API-HighLatency-P95"
    assert data["state"]["value"] == "ALARM" and data["state"]["reason"] == "test ALARM"
    assert data["state"]["reasonData"] == reason_data
    assert event["time"] == data["state"]["timestamp"]
    assert data["previousState"]["value"] == "OK"
    assert data["configuration"]["description"] == "p95 above the SLO"
    [metric] = data["configuration"]["metrics"]
    assert metric["metricStat"]["metric"] == {
        "namespace": "AWS/ApiGateway",
        "name": "Latency",
        "dimensions": {"ApiName": "monitoring-api"},
    }
    assert metric["metricStat"]["stat"] == "p95" and metric["metricStat"]["period"] == 300


def test_the_same_state_again_notifies_nobody_and_ok_runs_the_ok_actions(cloudwatch: Any, received: list[Any]) -> None:
    put_alarm(cloudwatch)
    set_state(cloudwatch, "ALARM")
    set_state(cloudwatch, "ALARM")
    assert len(received) == 1

    set_state(cloudwatch, "OK")
    assert [e["alarmData"]["state"]["value"] for e in received] == ["ALARM", "OK"]
    assert received[1]["alarmData"]["previousState"]["value"] == "ALARM"
    assert received[1]["alarmData"]["previousState"]["reason"] == "test ALARM"

    set_state(cloudwatch, "INSUFFICIENT_DATA")  # no InsufficientDataActions
    assert len(received) == 2


def test_disabled_actions_and_other_targets_are_not_invoked(cloudwatch: Any, received: list[Any]) -> None:
    put_alarm(cloudwatch, ActionsEnabled=False)
    put_alarm(cloudwatch, "Only-Topic", AlarmActions=[TOPIC])
    set_state(cloudwatch, "ALARM")
    set_state(cloudwatch, "ALARM", name="Only-Topic")

    assert received == []


def test_a_composite_transition_from_its_children_invokes_its_action(cloudwatch: Any, received: list[Any]) -> None:
    put_alarm(cloudwatch, AlarmActions=[TOPIC], OKActions=[])
    cloudwatch.put_composite_alarm(
        AlarmName="Smart-Performance-Alert",
        AlarmRule='ALARM("API-HighLatency-P95")',
        AlarmActions=[FUNCTION_ARN],
    )
    set_state(cloudwatch, "ALARM")

    [event] = received
    assert event["alarmData"]["alarmName"] == "Smart-Performance-Alert"
    assert event["alarmData"]["state"]["value"] == "ALARM"
    assert event["alarmData"]["configuration"]["alarmRule"] == 'ALARM("API-HighLatency-P95")'
