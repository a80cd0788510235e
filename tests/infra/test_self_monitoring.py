"""perfbot watches itself: alarms on its own functions and queue notify a topic that reaches a human without perfbot
(e-mail / AWS Chatbot), and reserved concurrency bounds each function. Checked on the template osls packages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.test_template import _allowed, roles, template  # noqa: F401 - the session fixtures

FUNCTIONS = ("Slack", "Alarms", "Schedule")


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:  # noqa: F811
    return {
        logical: resource["Properties"]
        for logical, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def _watching(alarms: dict[str, dict[str, Any]], namespace: str, metric: str, dimension: Any) -> dict[str, Any]:
    found = [
        props
        for props in alarms.values()
        if props["Namespace"] == namespace
        and props["MetricName"] == metric
        and dimension in [d["Value"] for d in props.get("Dimensions", [])]
    ]
    assert len(found) == 1, f"expected one alarm on {namespace} {metric} of {dimension}, found {len(found)}"
    return found[0]


def _notifies_ops(props: dict[str, Any]) -> None:
    assert props["AlarmActions"] == [{"Ref": "OpsTopic"}], props["AlarmName"]
    assert props["OKActions"] == [{"Ref": "OpsTopic"}], props["AlarmName"]
    assert props["TreatMissingData"] == "notBreaching"  # no traffic is not an outage of perfbot


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_each_function_alarms_on_its_errors_and_throttles(template: dict[str, Any], function: str, metric: str) -> None:  # noqa: F811
    props = _watching(_alarms(template), "AWS/Lambda", metric, {"Ref": f"{function}LambdaFunction"})
    assert props["Statistic"] == "Sum" and props["Threshold"] == 1
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    _notifies_ops(props)


def test_the_failed_events_queue_and_the_alarm_functions_event_age_alarm(template: dict[str, Any]) -> None:  # noqa: F811
    alarms = _alarms(template)
    queue = _watching(
        alarms, "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"Fn::GetAtt": ["FailedEventsQueue", "QueueName"]}
    )
    assert queue["Threshold"] == 1
    _notifies_ops(queue)
    age = _watching(alarms, "AWS/Lambda", "AsyncEventAge", {"Ref": "AlarmsLambdaFunction"})
    assert age["Statistic"] == "Maximum" and age["Unit"] == "Milliseconds"
    maximum_event_age_ms = template["Resources"]["AlarmsLambdaEvConf"]["Properties"]["MaximumEventAgeInSeconds"] * 1000
    assert 0 < age["Threshold"] < maximum_event_age_ms, "it must fire well before events are dropped"
    _notifies_ops(age)
    assert len(alarms) == 9, sorted(alarms)


def test_an_audit_event_that_could_not_be_anchored_alarms(template: dict[str, Any]) -> None:  # noqa: F811
    """The functions that write audit events log ``audit_anchor_failed`` (bot.audit.log); a metric filter on each of
    their log groups counts it, and one alarm on the count notifies the ops topic."""
    resources = template["Resources"]
    filters = {
        r["Properties"]["LogGroupName"]["Ref"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Logs::MetricFilter"
    }
    assert set(filters) == {"SlackLogGroup", "ScheduleLogGroup"}
    for props in filters.values():
        assert props["FilterPattern"] == '{ $.message = "audit_anchor_failed" }'
        [metric] = props["MetricTransformations"]
        assert (metric["MetricNamespace"], metric["MetricName"], metric["MetricValue"]) == (
            "Perfbot",
            "AuditAnchorFailures",
            "1",
        )
    [alarm] = [p for p in _alarms(template).values() if p["MetricName"] == "AuditAnchorFailures"]
    assert alarm["Namespace"] == "Perfbot" and alarm["Threshold"] == 1 and alarm["Statistic"] == "Sum"
    _notifies_ops(alarm)


def test_the_ops_topic_reaches_a_human_without_perfbot(template: dict[str, Any]) -> None:  # noqa: F811
    resources = template["Resources"]
    assert resources["OpsTopic"]["Type"] == "AWS::SNS::Topic"
    subscribers = {
        logical: r for logical, r in resources.items() if r["Type"] == "AWS::SNS::Subscription"
        and r["Properties"]["TopicArn"] == {"Ref": "OpsTopic"}
    }  # fmt: skip
    # e-mail and AWS Chatbot, each when its parameter is set; never perfbot's own function (it may be what is broken)
    assert {r["Properties"]["Protocol"] for r in subscribers.values()} == {"email"}
    assert all(r["Condition"] == "HasOpsEmail" for r in subscribers.values())
    chatbot = resources["OpsChatbotChannel"]
    assert chatbot["Type"] == "AWS::Chatbot::SlackChannelConfiguration" and chatbot["Condition"] == "HasOpsChatbot"
    assert chatbot["Properties"]["SnsTopicArns"] == [{"Ref": "OpsTopic"}]
    assert not resources["OpsChatbotRole"]["Properties"].get("Policies"), "Chatbot only relays: no permissions"
    for parameter in ("OpsEmail", "OpsChatbotWorkspaceId", "OpsChatbotChannelId"):
        assert template["Parameters"][parameter]["Default"] == "", f"{parameter} is optional"
    for r in resources.values():
        if r["Type"] == "AWS::SNS::Subscription" and r["Properties"]["TopicArn"] == {"Ref": "OpsTopic"}:
            assert r["Properties"]["Protocol"] != "lambda"
    assert template["Outputs"]["OpsTopicArn"]["Value"] == {"Ref": "OpsTopic"}


def test_self_alarms_also_reach_perfbot_through_eventbridge(template: dict[str, Any]) -> None:  # noqa: F811
    """perfbot posts its own health when it can: its alarms are CloudWatch alarms like any other."""
    (rule,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Events::Rule" and "EventPattern" in r["Properties"]
    ]
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.cloudwatch"] and "resources" not in pattern  # every alarm, perfbot's too


def test_reserved_concurrency_per_function(template: dict[str, Any]) -> None:  # noqa: F811
    reserved = {
        name: template["Resources"][f"{name}LambdaFunction"]["Properties"].get("ReservedConcurrentExecutions")
        for name in FUNCTIONS
    }
    assert all(isinstance(v, int) and v > 0 for v in reserved.values()), reserved
    assert reserved == {"Slack": 20, "Alarms": 10, "Schedule": 5}  # the defaults; --param overrides them per stage


def test_only_the_slack_function_reads_the_failed_events_queue(roles: dict[str, Any]) -> None:  # noqa: F811
    assert _allowed(roles["slack"], "sqs:GetQueueAttributes") == ["${FailedEventsQueue.Arn}"]
    assert not _allowed(roles["alarms"], "sqs:GetQueueAttributes")
    assert not _allowed(roles["schedule"], "sqs:GetQueueAttributes")
