"""Scheduled provisioned concurrency end to end: 14 days of traffic with a daily peak → the usage pattern → a
scheduled-PC proposal card → Approve (a signed click) → the two scheduled actions read back from the embedded AWS's
Application Auto Scaling → Undo removes them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from bot.analysis.usage import read_usage
from bot.audit import audit_log
from bot.changes.store import proposal_store
from bot.settings import get_settings
from devstack.simulator import simulate
from devstack.simulator.analysis_scenarios import BY_NAME
from tests.support.slack_clicks import ALICE, BOB, CAROL, CHANNEL, buttons, card_text, click

pytestmark = pytest.mark.functional

KIND = "scheduled_provisioned_concurrency"
RUNS: list[Any] = []  # the simulation reports of the fixture, newest last
RESOURCE = "function:monitoring-api-dev:live"
DIMENSION = "lambda:function:ProvisionedConcurrency"


def scheduled_actions() -> dict[str, dict[str, Any]]:
    answer = boto3.client("application-autoscaling").describe_scheduled_actions(
        ServiceNamespace="lambda", ResourceId=RESOURCE, ScalableDimension=DIMENSION
    )
    return {a["ScheduledActionName"]: a for a in answer["ScheduledActions"]}


@pytest.fixture
def peaky(stack: Any) -> datetime:
    """The cold-start scenario (a daily peak at 14:00 UTC, 8 % cold starts) with 14 days of hourly traffic."""
    for user, name in ((ALICE, "alice"), (CAROL, "carol"), (BOB, "bob")):
        stack.slack.add_user(user, name, name.title())
    now = (datetime.now(UTC) - timedelta(minutes=5)).replace(second=0, microsecond=0)
    scenario = replace(BY_NAME["cold-starts"].scenario, name="cold-starts-14-days")
    report = simulate(get_settings(), scenario=scenario, now=now, days=14)
    assert report.history_datums > 0
    RUNS.append(report)
    return now


def test_usage_pattern_proposes_a_schedule_that_approve_applies_and_undo_removes(
    stack: Any, slack_handler: Any, peaky: datetime
) -> None:
    from bot.analysis.analyzer import analyze
    from bot.slack.delivery.analysis import publish_recommendations

    settings = get_settings()
    service = settings.service("monitoring-api")
    assert service is not None
    usage = read_usage(service, settings.region, now=peaky)
    assert usage is not None and usage.days >= 13
    assert usage.daily_peak is not None and usage.daily_peak.strong
    assert usage.daily_peak.start_hour <= 14 < usage.daily_peak.start_hour + usage.daily_peak.hours
    assert usage.busiest is not None and usage.busiest[0] < 5  # weekdays are busier than weekends

    result = analyze("monitoring-api", settings=settings, now=peaky)
    kinds = [r.kind for r in result.recommendations]
    assert KIND in kinds and "lambda_provisioned_concurrency" not in kinds  # around the peak, not all day
    [rec] = [r for r in result.recommendations if r.kind == KIND]
    peak_units = int(rec.proposed["peak_units"])
    assert peak_units > int(rec.proposed["base_units"]) == 0
    assert rec.impact.monthly_cost_delta_usd is not None and "every day" in rec.rationale

    publish_recommendations(result.model_copy(update={"recommendations": [rec]}), channel=CHANNEL, requester_id=ALICE)
    [p] = [q for q in proposal_store().pending() if q.kind == KIND]
    assert buttons(stack, p) == ["approve_proposal", "reject_proposal"]
    assert "Scheduled provisioned concurrency" in card_text(stack, p)

    click(slack_handler, stack, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert proposal_store().get(p.id).state == "applied", card_text(stack, p)
    actions = scheduled_actions()
    assert set(actions) == {"perfbot-peak-raise", "perfbot-peak-lower"}
    raise_, lower = actions["perfbot-peak-raise"], actions["perfbot-peak-lower"]
    hour, minute = str(rec.proposed["raise_at_utc"]).split(":")
    assert raise_["Schedule"] == f"cron({int(minute)} {int(hour)} * * ? *)"
    assert raise_["ScalableTargetAction"] == {"MinCapacity": peak_units, "MaxCapacity": peak_units}
    assert lower["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}
    assert proposal_store().get(p.id).after == rec.proposed  # read back from Application Auto Scaling
    assert buttons(stack, p) == ["undo_change"]
    again = analyze("monitoring-api", settings=settings, now=peaky)  # the schedule in place is not proposed again
    assert [r.kind for r in again.recommendations if "concurrency" in r.kind] == []

    click(slack_handler, stack, "undo_change", p.id, user=CAROL, message_ts=p.message_ts)
    for undo in [q for q in proposal_store().pending() if q.undo_of == p.id]:  # when another approver must decide
        click(slack_handler, stack, "approve_proposal", undo.id, user=ALICE, message_ts=undo.message_ts)
    assert scheduled_actions() == {}
    assert proposal_store().get(p.id).state == "rolled_back"
    actions_logged = [e.action for e in audit_log().for_change(p.id)]
    assert actions_logged[:3] == ["proposed", "approved", "applied"] and actions_logged[-1] == "rolled_back"


def test_perf_usage_answers_with_the_peak_hours_and_a_heat_map(stack: Any, slack_handler: Any, peaky: datetime) -> None:
    from devstack import lambdas, slack_requests

    channel = stack.slack.channel_id(CHANNEL)
    body = slack_requests.slash_command_body(
        "usage monitoring-api", user_id=ALICE, channel_id=channel, response_url=stack.slack.response_url(channel, ALICE)
    )
    assert lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))["statusCode"] == 200
    assert lambdas.wait_idle()
    message = stack.slack.messages(CHANNEL)[-1]
    text = message.plain_text()
    assert "Recurring daily peak" in text and "a strong one" in text
    assert "Mon: peak" in text and "Sun: peak" in text and "low" in text
    (heat_map,) = stack.slack.files()
    assert heat_map.content.startswith(b"\x89PNG") and heat_map.thread_ts == message.ts
    width, height = int.from_bytes(heat_map.content[16:20], "big"), int.from_bytes(heat_map.content[20:24], "big")
    assert width > 24 * 20 and height > 7 * 20  # a cell per weekday and hour


PREDICTIVE = {
    "AlarmName": "Predictive-Scaling-Trigger",
    "AlarmDescription": "Trigger scaling before performance degrades",
    "Namespace": "AWS/DynamoDB",
    "MetricName": "ConsumedReadCapacityUnits",
    "Dimensions": [{"Name": "TableName", "Value": "ApplicationMetrics-dev"}],
    "Statistic": "Average",
    "Period": 300,
    "EvaluationPeriods": 2,
    "Threshold": 70.0,
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
}


def test_analyze_on_the_predictive_scaling_alarm_proposes_the_schedule(
    stack: Any, slack_handler: Any, peaky: datetime
) -> None:
    import json

    from tests.support.alarm_helpers import click as click_alarm
    from tests.support.alarm_helpers import event, invoke, top_level

    invoke(event(PREDICTIVE, "ALARM", datetime.now(UTC), observed=84.0))
    [alarm_message] = top_level(stack)
    click_alarm(stack, slack_handler, "analyze_alarm", alarm_message)

    def cards() -> list[Any]:
        replies = [r for r in stack.slack.replies(CHANNEL, alarm_message.ts) if r.ts != alarm_message.ts]
        return [r for r in replies if "Scheduled provisioned concurrency" in json.dumps(r.blocks)]

    stack.slack.wait_for(lambda: len(cards()) >= 2, timeout=90)  # the summary and the card
    [p] = [q for q in proposal_store().pending() if q.kind == KIND]
    assert p.target == "monitoring-api-dev:live" and int(p.after["peak_units"]) > 0
    summary = next(r for r in cards() if "recommendation" in r.text)
    assert "Requested from alarm Predictive-Scaling-Trigger" in json.dumps(summary.blocks)


def test_a_week_of_history_keeps_the_cost_estimate_consistent(stack: Any, peaky: datetime) -> None:
    """The hours before the simulated day carry Lambda and DynamoDB usage too: a 7-day cost report scales every line
    from the same hours, so invocations per request stay what the simulated day shows."""
    from bot.reports.cost import build_cost_report

    sim = RUNS[-1]
    report = build_cost_report(get_settings(), now=peaky + timedelta(minutes=5))
    (service,) = report.services
    assert service.observed_hours >= 7 * 24 - 1 and not service.missing
    lines = {line.item: line for line in service.lines}
    requests, invocations = (lines[k].quantity for k in ("API Gateway requests", "Lambda monitoring-api-dev requests"))
    assert invocations / requests == pytest.approx(sim.invocations / sim.requests, rel=0.02)
    [day] = boto3.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Duration",
        Dimensions=[{"Name": "FunctionName", "Value": "monitoring-api-dev"}],
        StartTime=sim.start,
        EndTime=sim.end,
        Period=24 * 3600,
        Statistics=["Sum"],
    )["Datapoints"]
    seconds_per_invocation = day["Sum"] / 1000 / sim.invocations  # at 1024 MB: GB-seconds
    compute = lines["Lambda monitoring-api-dev compute"].quantity
    assert compute / (invocations * 1e6) == pytest.approx(seconds_per_invocation, rel=0.05)  # quantity: millions
