"""The reason in plain words, from the Trigger and CloudWatch's reason text."""

from __future__ import annotations

import json

import pytest

from bot.alarms.intake import notifications
from bot.alarms.models import AlarmNotification
from bot.alarms.parse import from_sns_message
from bot.alarms.reasons import explain, number, period_words
from tests.conftest import load_event


def parsed(name: str) -> AlarmNotification:
    [item] = notifications(load_event(name))
    assert isinstance(item, AlarmNotification)
    return item


@pytest.mark.parametrize(
    ("name", "words"),
    [
        (
            "alarms_sns_metric_alarm.json",
            "p95 latency of monitoring-api was 812 ms, above the 500 ms threshold, in 1 of 1 five-minute periods",
        ),
        (
            "alarms_eventbridge_metric.json",
            "p95 latency of monitoring-api was 812 ms, above the 500 ms threshold, in 1 of 1 five-minute periods",
        ),
        ("alarms_sns_metric_ok.json", "p95 latency of monitoring-api was 232 ms, back below the 500 ms threshold"),
        (
            "alarms_sns_metric_math.json",
            "Slowest operation, average ms for ApplicationMetrics-dev was 73.2 ms, above the 50 ms threshold, "
            "in 1 of 1 five-minute periods",
        ),
        (
            "alarms_sns_anomaly.json",
            "p95 duration of monitoring-api-dev was 2,412 ms, above the expected band (upper bound 1,220 ms), "
            "in 2 of 3 five-minute periods",
        ),
        ("alarms_sns_composite.json", "Its rule became true: API-HighLatency-P95 went into ALARM"),
        ("alarms_sns_composite_ok.json", "Its rule is false again: API-HighLatency-P95 recovered"),
        (
            "alarms_eventbridge_metric_ok.json",
            "p95 latency of monitoring-api was 232 ms, back below the 500 ms threshold",
        ),
        (
            "alarms_eventbridge_metric_insufficient_data.json",
            "No data for p95 latency of monitoring-api in the last 1 five-minute period",
        ),
        (
            "alarms_sns_metric_insufficient_data.json",
            "No data for p95 latency of monitoring-api in the last 1 five-minute period",
        ),
    ],
)
def test_reason_in_words(name: str, words: str) -> None:
    assert explain(parsed(name)).startswith(words)


def test_statistic_comparison_and_count_metrics() -> None:
    message = json.loads(load_event("alarms_sns_metric_alarm.json")["Records"][0]["Sns"]["Message"])
    message["Trigger"] |= {
        "MetricName": "5XXError",
        "Statistic": "SUM",
        "ExtendedStatistic": None,
        "Threshold": 10.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Period": 60,
    }
    message["NewStateReason"] = (
        "Threshold Crossed: 3 out of the last 5 datapoints [42.0 (26/11/26 18:50:00)] was greater than or equal to "
        "the threshold (10.0) (minimum 3 datapoints for OK -> ALARM transition)."
    )
    n = from_sns_message("m", json.dumps(message), [])
    assert (
        explain(n) == "total 5XX errors of monitoring-api was 42, at or above the 10 threshold, in 3 of 5 "
        "one-minute periods"
    )


def test_unreadable_reason_falls_back_to_cloudwatch_text() -> None:
    message = json.loads(load_event("alarms_sns_metric_alarm.json")["Records"][0]["Sns"]["Message"])
    message["NewStateReason"] = "Unchecked: Initial alarm creation"
    assert explain(from_sns_message("m", json.dumps(message), [])) == "Unchecked: Initial alarm creation"


@pytest.mark.parametrize(("value", "text"), [(812.0, "812"), (73.25, "73.2"), (2411.7, "2,412"), (0.01234, "0.0123")])
def test_numbers_read_like_a_person_writes_them(value: float, text: str) -> None:
    assert number(value) == text


def test_period_words() -> None:
    assert [period_words(p) for p in (60, 300, 3600, 120, 45)] == [
        "one-minute",
        "five-minute",
        "one-hour",
        "2-minute",
        "45-second",
    ]
