"""CloudWatch's SNS and EventBridge alarm payloads → AlarmNotification (no network)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.alarms.intake import Rejected, notifications
from bot.alarms.models import AlarmNotification
from bot.alarms.parse import BadAlarmMessage, from_sns_message
from tests.conftest import load_event


def parsed(name: str) -> AlarmNotification:
    [item] = notifications(load_event(name))
    assert isinstance(item, AlarmNotification), item
    return item


def sns_message(name: str) -> dict[str, Any]:
    return json.loads(load_event(name)["Records"][0]["Sns"]["Message"])


def test_single_metric_alarm() -> None:
    n = parsed("alarms_sns_metric_alarm.json")
    assert (n.kind, n.state, n.previous_state, n.source) == ("metric", "ALARM", "OK", "sns")
    assert n.message_id == "5f4a1e0c-6d2b-5e3a-9b1c-1a2b3c4d5e01"
    assert n.metric is not None and n.metric.dimensions == {"ApiName": "monitoring-api"}  # SNS's lower-case keys
    assert (n.metric.stat, n.metric.period, n.threshold, n.comparison) == ("p95", 300, 500.0, "GreaterThanThreshold")
    assert n.region == "us-east-1" and n.account == "123456789012"
    assert n.changed_at.isoformat() == "2026-11-26T18:55:12.461000+00:00"  # "+0000" understood


def test_upper_case_statistics_are_normalised() -> None:
    message = sns_message("alarms_sns_metric_alarm.json")
    trigger = message["Trigger"]
    trigger.pop("ExtendedStatistic")
    trigger |= {"StatisticType": "Statistic", "Statistic": "SAMPLE_COUNT"}
    n = from_sns_message("m", json.dumps(message), [])
    assert n.metric is not None and n.metric.stat == "SampleCount"


def test_metric_math_alarm_keeps_every_query() -> None:
    n = parsed("alarms_sns_metric_math.json")
    assert n.kind == "metric_math" and n.metric is None
    assert [q.id for q in n.queries] == ["slowest", "getitem", "putitem", "query", "updateitem"]
    primary = n.primary_query()
    assert primary is not None and primary.expression.startswith("MAX(")
    assert {m.dimensions["Operation"] for m in n.metrics()} == {"GetItem", "PutItem", "Query", "UpdateItem"}


def test_anomaly_detection_alarm() -> None:
    n = parsed("alarms_sns_anomaly.json")
    assert n.kind == "anomaly" and n.threshold is None and n.threshold_metric_id == "ad1"
    assert n.metric is not None and n.metric.name == "Duration"
    assert (n.evaluation_periods, n.datapoints_to_alarm) == (3, 2)


@pytest.mark.parametrize("name", ["alarms_sns_composite.json", "alarms_eventbridge_composite.json"])
def test_composite_alarm(name: str) -> None:
    n = parsed(name)
    assert n.kind == "composite" and n.alarm_rule and "NOT ALARM" in n.alarm_rule
    assert [c.name for c in n.triggering_children] == ["API-HighLatency-P95"]
    assert not n.metrics()


def test_eventbridge_metric_alarm_takes_the_threshold_from_reason_data() -> None:
    n = parsed("alarms_eventbridge_metric.json")
    assert (n.source, n.kind, n.message_id) == ("eventbridge", "metric", "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92")
    assert n.metric is not None and n.metric.dimensions == {"ApiName": "monitoring-api"}
    assert n.threshold == 500.0 and n.reason_data and n.reason_data["recentDatapoints"] == [812.0]


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("alarms_sns_metric_ok.json", "OK"),
        ("alarms_sns_metric_insufficient_data.json", "INSUFFICIENT_DATA"),
        ("alarms_eventbridge_metric_ok.json", "OK"),
        ("alarms_eventbridge_metric_insufficient_data.json", "INSUFFICIENT_DATA"),
        ("alarms_sns_composite_ok.json", "OK"),
    ],
)
def test_every_state(name: str, state: str) -> None:
    assert parsed(name).state == state


def test_malformed_json_is_a_bad_message() -> None:
    with pytest.raises(BadAlarmMessage):
        from_sns_message("m", '{"AlarmName": ', [])


def test_a_non_alarm_message_is_a_bad_message() -> None:
    with pytest.raises(BadAlarmMessage, match="AlarmName"):
        from_sns_message("m", json.dumps({"default": "hello"}), [])


def test_an_unknown_state_is_a_bad_message() -> None:
    message = sns_message("alarms_sns_metric_alarm.json") | {"NewStateValue": "PANIC"}
    with pytest.raises(BadAlarmMessage, match="NewStateValue"):
        from_sns_message("m", json.dumps(message), [])


def test_an_oversized_name_is_rejected_and_an_oversized_description_cut() -> None:
    message = sns_message("alarms_sns_metric_alarm.json")
    with pytest.raises(BadAlarmMessage):
        from_sns_message("m", json.dumps(message | {"AlarmName": "x" * 256}), [])
    warnings: list[str] = []
    n = from_sns_message("m", json.dumps(message | {"AlarmDescription": "y" * 5000}), warnings)
    assert len(n.description) == 1024 and warnings == ["AlarmDescription of 5000 characters cut to 1024"]


def test_one_bad_record_does_not_hide_the_others() -> None:
    event = load_event("alarms_sns_metric_alarm.json")
    good = event["Records"][0]
    bad = json.loads(json.dumps(good))
    bad["Sns"]["Message"] = "not json"
    bad["Sns"]["MessageId"] = "broken-1"
    items = notifications({"Records": [bad, good, {"garbage": True}]})
    assert isinstance(items[0], Rejected) and items[0].message_id == "broken-1"
    assert isinstance(items[1], AlarmNotification)
    assert isinstance(items[2], Rejected)


def test_other_eventbridge_events_are_rejected() -> None:
    event = load_event("alarms_eventbridge_metric.json") | {"detail-type": "EC2 Instance State-change Notification"}
    [item] = notifications(event)
    assert isinstance(item, Rejected) and "unexpected EventBridge event" in item.problem


def test_console_url_is_url_encoded() -> None:
    n = parsed("alarms_sns_metric_alarm.json").model_copy(update={"alarm_name": "a b/c#d"})
    assert n.console_url() == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/a%20b%2Fc%23d"
    )
