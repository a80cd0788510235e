"""`/perf sla|metrics|breaker|cost` end to end: signed request → handlers.slack.handler → ack → lazy work →
"working…" in the channel replaced by the report (Slack emulator), with AWS answered by the devstack."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from devstack import lambdas, slack_requests
from devstack.stack import Devstack
from tests.functional.test_reports_sla import (
    LATENCY_RECENT,
    live_report_end,
    nearest_rank,
    totals,
    write_known_datapoints,
)

pytestmark = pytest.mark.functional

USER = "U0APPROVER1"
CHANNEL = "#perf-alerts"


def slash(stack: Devstack, handler: Any, text: str) -> dict[str, Any]:
    channel_id = stack.slack.channel_id(CHANNEL)
    body = slack_requests.slash_command_body(
        text, user_id=USER, channel_id=channel_id, response_url=stack.slack.response_url(channel_id, USER)
    )
    response = lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))
    assert response["statusCode"] == 200
    assert lambdas.wait_idle()
    return dict(response)


def channel_texts(stack: Devstack) -> list[str]:
    return [m.plain_text() for m in stack.slack.messages(CHANNEL)]


def test_perf_sla_acks_at_once_then_replaces_working_with_the_report(stack: Devstack, slack_handler: Any) -> None:
    from datetime import timedelta

    write_known_datapoints(stack.aws.endpoint_url, live_report_end())
    response = slash(stack, slack_handler, "sla")
    assert not response.get("body")  # empty ack: the work happens in the lazy listener
    (message,) = stack.slack.messages(CHANNEL)  # one message: the placeholder, edited in place
    assert message.edited and "Working" not in message.plain_text()
    assert stack.slack.calls["chat.postMessage"] == 1 and stack.slack.calls["chat.update"] == 1
    text = message.plain_text()
    requests, e5, _ = totals(timedelta(hours=24))
    assert "SLA — last 24h" in text and "monitoring-api" in text
    assert f"{(1 - e5 / requests) * 100:.3f} %" in text  # availability, same digits as computed here
    assert f"{nearest_rank(LATENCY_RECENT, 95):,.0f} ms" in text
    assert "Error budget (30 d)" in text and "1h:" in text and "6h:" in text
    assert not message.ephemeral


def test_unknown_service_lists_the_known_ones(stack: Devstack, slack_handler: Any) -> None:
    slash(stack, slack_handler, "sla nosuch-api")
    (answer,) = stack.slack.ephemerals(CHANNEL)
    assert "nosuch-api" in answer.text and "monitoring-api" in answer.text and "/perf sla" in answer.text
    assert stack.slack.messages(CHANNEL) == []  # the placeholder was withdrawn


@pytest.mark.parametrize("text", ["sla 5h", "sla monitoring-api 2d", "metrics monitoring-api p95 nosuchmetric"])
def test_bad_window_or_metric_gets_a_usage_line(stack: Devstack, slack_handler: Any, text: str) -> None:
    slash(stack, slack_handler, text)
    (answer,) = stack.slack.ephemerals(CHANNEL)
    assert "Usage: `/perf " in answer.text
    assert stack.slack.messages(CHANNEL) == []


def test_perf_metrics_posts_summary_graph_and_latest_items(stack: Devstack, slack_handler: Any) -> None:
    from bot.aws.clients import client

    write_known_datapoints(stack.aws.endpoint_url, live_report_end())
    _create_application_metrics(client("dynamodb"))
    slash(stack, slack_handler, "metrics monitoring-api latency 24h")
    (message,) = stack.slack.messages(CHANNEL)
    text = message.plain_text()
    assert "API Gateway latency (p95, last 24h)" in text
    assert f"{nearest_rank(LATENCY_RECENT, 95):,.0f} ms" in text  # the whole-window p95
    items = [line for line in text.splitlines() if "ResponseTime" in line]
    assert len(items) == 10 and "10:11:00Z" in items[0] and "item-11" in items[0]  # newest first, capped at 10
    assert "ResponseTime = 111 " in items[0]
    (graph,) = stack.slack.files()
    assert graph.content.startswith(b"\x89PNG") and graph.thread_ts == message.ts


def _create_application_metrics(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName="ApplicationMetrics-dev",
        KeySchema=[
            {"AttributeName": "ServiceName", "KeyType": "HASH"},
            {"AttributeName": "Timestamp", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "ServiceName", "AttributeType": "S"},
            {"AttributeName": "Timestamp", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ServiceNameIndex",
                "KeySchema": [
                    {"AttributeName": "ServiceName", "KeyType": "HASH"},
                    {"AttributeName": "Timestamp", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for n in range(12):
        dynamodb.put_item(
            TableName="ApplicationMetrics-dev",
            Item={
                "ServiceName": {"S": "monitoring-api"},
                "Timestamp": {"S": f"2026-11-26T10:{n:02d}:00Z"},
                "MetricType": {"S": "ResponseTime"},
                "Value": {"N": str(100 + n)},
                "Metadata": {"S": f"item-{n}"},
            },
        )


def test_perf_breaker_shows_the_shared_state(stack: Devstack, slack_handler: Any) -> None:
    from bot.breaker import AdaptiveCircuitBreaker, DynamoBreakerStore
    from bot.settings import get_settings

    clock = [time.time() - 30]  # opened 30 s before the command runs: the 60 s timeout has 30 s left
    breaker = AdaptiveCircuitBreaker(
        "monitoring-api", DynamoBreakerStore(get_settings().tables.state), clock=lambda: clock[0]
    )
    for _ in range(5):
        breaker.record_failure()
    slash(stack, slack_handler, "breaker")
    (message,) = stack.slack.messages(CHANNEL)
    text = message.plain_text()
    assert "OPEN" in text and "failures 5/5" in text and "half-open in" in text
    assert "recovering for" in text and "SLO < 60 s" in text


def test_throttled_cloudwatch_is_retried_then_reported_missing_not_zero(
    stack: Devstack, slack_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.aws.clients import client
    from bot.settings import get_settings

    with lambdas.running_as("slack"):  # the slack function's own client
        cloudwatch = client("cloudwatch", get_settings().region)
    attempts = throttle_get_metric_data(cloudwatch, monkeypatch, times=None)
    slash(stack, slack_handler, "sla")
    assert attempts[0] > 1  # botocore's standard retries tried again before giving up
    (message,) = stack.slack.messages(CHANNEL)
    text = message.plain_text()
    assert "n/a (CloudWatch did not answer: Throttling)" in text
    assert "0.000 %" not in text and "100.000 %" not in text  # no invented numbers


def throttle_get_metric_data(cloudwatch: Any, monkeypatch: pytest.MonkeyPatch, times: int | None) -> list[int]:
    """Answer the next ``times`` (None: every) GetMetricData with CloudWatch's throttling error, at the HTTP layer."""
    import botocore.retries.standard
    from botocore.awsrequest import AWSResponse

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, ctx: 0)
    attempts = [0]

    class Raw:
        def stream(self, **_: Any) -> Any:
            yield json.dumps({"__type": "Throttling", "message": "Rate exceeded"}).encode()

    def throttle(request: Any, **_: Any) -> Any:
        attempts[0] += 1
        if times is not None and attempts[0] > times:
            return None
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": "Throttling;Sender"}
        return AWSResponse(request.url, 400, headers, Raw())

    cloudwatch.meta.events.register("before-send.cloudwatch.GetMetricData", throttle)
    return attempts


def test_brief_throttling_is_absorbed_by_retries(
    stack: Devstack, slack_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.aws.clients import client
    from bot.settings import get_settings

    write_known_datapoints(stack.aws.endpoint_url, live_report_end())
    with lambdas.running_as("slack"):  # the slack function's own client
        cloudwatch = client("cloudwatch", get_settings().region)
    attempts = throttle_get_metric_data(cloudwatch, monkeypatch, times=2)
    slash(stack, slack_handler, "sla monitoring-api")
    assert attempts[0] == 3
    text = stack.slack.messages(CHANNEL)[0].plain_text()
    assert "did not answer" not in text and "Availability" in text


def test_one_get_metric_data_for_every_service(
    stack: Devstack, slack_handler: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    from collections import Counter

    import yaml

    from bot.aws.clients import client
    from bot.settings import DEFAULT_CONFIG, get_settings, reset_settings

    raw = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    extra = [
        {"name": f"svc-{n}", "api": {"name": f"svc-{n}", "stage": "dev"}, "lambda_functions": [{"name": f"fn-{n}"}]}
        for n in range(4)
    ]
    raw["services"] += extra
    config = tmp_path / "perfbot.yml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("PERFBOT_CONFIG", str(config))
    reset_settings()
    operations: Counter[str] = Counter()
    with lambdas.running_as("slack"):  # the slack function's own client
        cloudwatch = client("cloudwatch", get_settings().region)
    cloudwatch.meta.events.register("before-call.cloudwatch.*", lambda model, **_: operations.update([model.name]))
    slash(stack, slack_handler, "sla 7d")
    assert operations == Counter({"GetMetricData": 1})
    text = stack.slack.messages(CHANNEL)[0].plain_text()
    assert all(f"svc-{n}" in text for n in range(4)) and "monitoring-api" in text
    # The deployed IAM is generated from the shipped perfbot.yml: the extra functions' CodeSize is not readable, and
    # the report says so instead of failing (a deployment regenerates the statements from its own perfbot.yml)
    assert {(d.action, d.resource.rsplit(":", 1)[-1]) for d in stack.aws.denials} == {
        ("lambda:GetFunctionConfiguration", f"fn-{n}") for n in range(4)
    }
    stack.aws.clear_denials()
    reset_settings()
