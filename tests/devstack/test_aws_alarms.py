"""Composite alarms on the embedded AWS: PutCompositeAlarm, DescribeAlarms filters, rule evaluation."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.aws.cloudwatch.alarm_rule import RuleError, compile_rule

TOPIC = "arn:aws:sns:us-east-1:123456789012:perfbot-alarms"
RULE = 'ALARM("API-HighLatency-P95") AND (ALARM(Lambda-HighDuration) OR ALARM("DynamoDB-HighLatency"))'


def put_metric_alarms(cloudwatch: Any) -> None:
    for name, metric in (
        ("API-HighLatency-P95", "Latency"),
        ("Lambda-HighDuration", "Duration"),
        ("DynamoDB-HighLatency", "SuccessfulRequestLatency"),
    ):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/ApiGateway",
            MetricName=metric,
            ExtendedStatistic="p95",
            Period=300,
            EvaluationPeriods=2,
            Threshold=100,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[TOPIC],
        )


def test_put_and_describe_composite_alarm(cloudwatch: Any) -> None:
    put_metric_alarms(cloudwatch)
    cloudwatch.put_composite_alarm(
        AlarmName="Smart-Performance-Alert",
        AlarmRule=RULE,
        AlarmDescription="Latency and a backend are both unhealthy",
        AlarmActions=[TOPIC],
        OKActions=[TOPIC],
    )

    default = cloudwatch.describe_alarms()
    assert default["CompositeAlarms"] == []  # AWS returns only metric alarms unless asked
    assert len(default["MetricAlarms"]) == 3

    composite = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm"])
    assert composite["MetricAlarms"] == []
    [alarm] = composite["CompositeAlarms"]
    assert alarm["AlarmName"] == "Smart-Performance-Alert"
    assert alarm["AlarmRule"] == RULE
    assert alarm["AlarmActions"] == [TOPIC]
    assert alarm["OKActions"] == [TOPIC]
    assert alarm["AlarmDescription"] == "Latency and a backend are both unhealthy"
    assert alarm["AlarmArn"].endswith(":alarm:Smart-Performance-Alert")
    assert alarm["ActionsEnabled"] is True
    assert alarm["StateValue"] == "OK"

    both = cloudwatch.describe_alarms(AlarmTypes=["CompositeAlarm", "MetricAlarm"], AlarmNamePrefix="Smart")
    assert [a["AlarmName"] for a in both["CompositeAlarms"]] == ["Smart-Performance-Alert"]
    assert both["MetricAlarms"] == []


def test_composite_state_follows_its_children(cloudwatch: Any) -> None:
    put_metric_alarms(cloudwatch)
    cloudwatch.put_composite_alarm(AlarmName="Smart-Performance-Alert", AlarmRule=RULE)

    def state() -> str:
        alarms = cloudwatch.describe_alarms(AlarmNames=["Smart-Performance-Alert"], AlarmTypes=["CompositeAlarm"])
        return str(alarms["CompositeAlarms"][0]["StateValue"])

    cloudwatch.set_alarm_state(AlarmName="API-HighLatency-P95", StateValue="ALARM", StateReason="test")
    assert state() == "OK"
    cloudwatch.set_alarm_state(AlarmName="DynamoDB-HighLatency", StateValue="ALARM", StateReason="test")
    assert state() == "ALARM"
    in_alarm = cloudwatch.describe_alarms(StateValue="ALARM", AlarmTypes=["CompositeAlarm", "MetricAlarm"])
    assert len(in_alarm["MetricAlarms"]) == 2
    assert len(in_alarm["CompositeAlarms"]) == 1
    cloudwatch.set_alarm_state(AlarmName="API-HighLatency-P95", StateValue="OK", StateReason="test")
    assert state() == "OK"


def test_children_and_parents(cloudwatch: Any) -> None:
    put_metric_alarms(cloudwatch)
    cloudwatch.put_composite_alarm(AlarmName="Smart-Performance-Alert", AlarmRule=RULE)
    children = cloudwatch.describe_alarms(ChildrenOfAlarmName="Smart-Performance-Alert")
    assert sorted(a["AlarmName"] for a in children["MetricAlarms"]) == [
        "API-HighLatency-P95",
        "DynamoDB-HighLatency",
        "Lambda-HighDuration",
    ]
    parents = cloudwatch.describe_alarms(ParentsOfAlarmName="Lambda-HighDuration")
    assert [a["AlarmName"] for a in parents["CompositeAlarms"]] == ["Smart-Performance-Alert"]
    with pytest.raises(ClientError) as err:
        cloudwatch.describe_alarms(ChildrenOfAlarmName="Smart-Performance-Alert", StateValue="OK")
    assert err.value.response["Error"]["Code"] == "ValidationError"


def test_invalid_rule_is_rejected(cloudwatch: Any) -> None:
    with pytest.raises(ClientError) as err:
        cloudwatch.put_composite_alarm(AlarmName="Broken", AlarmRule='ALARM("a") AND')
    assert err.value.response["Error"]["Code"] == "ValidationError"


def test_max_records_pages(cloudwatch: Any) -> None:
    put_metric_alarms(cloudwatch)
    first = cloudwatch.describe_alarms(MaxRecords=2)
    assert len(first["MetricAlarms"]) == 2
    rest = cloudwatch.describe_alarms(MaxRecords=2, NextToken=first["NextToken"])
    assert len(rest["MetricAlarms"]) == 1
    assert "NextToken" not in rest


@pytest.mark.parametrize(
    ("rule", "states", "expected"),
    [
        ("TRUE", {}, True),
        ("NOT ALARM(a)", {"a": "OK"}, True),
        ("ALARM(a) OR OK(b) AND ALARM(c)", {"a": "ALARM", "b": "ALARM"}, True),
        ("(ALARM(a) OR OK(b)) AND ALARM(c)", {"a": "ALARM", "b": "ALARM"}, False),
        ('INSUFFICIENT_DATA("x y")', {"x y": "INSUFFICIENT_DATA"}, True),
    ],
)
def test_rule_evaluation(rule: str, states: dict[str, str], expected: bool) -> None:
    predicate, _ = compile_rule(rule)
    assert predicate(lambda state, name: states.get(name) == state) is expected


@pytest.mark.parametrize("rule", ["", "ALARM(", "ALARM(a) AND", "FOO(a)", "ALARM(a) ALARM(b)"])
def test_rule_syntax_errors(rule: str) -> None:
    with pytest.raises(RuleError):
        compile_rule(rule)
