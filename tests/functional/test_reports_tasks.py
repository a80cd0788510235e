"""Scheduled `digest` and `regressions` through handlers.schedule.handler, the CLI, and `/perf cost`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from devstack import lambdas
from devstack.stack import Devstack
from tests.conftest import load_event
from tests.functional.test_reports_sla import NOW, report_end, write_known_datapoints
from tests.functional.test_reports_slack import slash

pytestmark = pytest.mark.functional


def _schedule(name: str) -> dict[str, Any]:

    event = load_event(f"reports_schedule_{name}.json") | {"time": NOW.isoformat()}
    return dict(lambdas.invoke("schedule", event))


def test_daily_digest_posts_the_sla_report_to_the_digest_channel(stack: Devstack) -> None:
    write_known_datapoints(stack.aws.endpoint_url)
    result = _schedule("digest")
    assert result["ok"] and result["channel"] == "#perf-reports" and result["services"] == 1
    (digest,) = stack.slack.messages("#perf-reports")
    text = digest.plain_text()
    assert "Daily SLA digest — last 24h" in text and "Availability" in text and "Error budget" in text


def _latency_hours(cw: Any, current: list[float], baseline_by_day: dict[int, list[float]]) -> None:
    hour = report_end() - timedelta(minutes=30)  # inside the last hour
    dims = [{"Name": "ApiName", "Value": "monitoring-api"}]
    for days, values in [(0, current), *baseline_by_day.items()]:
        when = hour - timedelta(days=days)
        cw.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[{"MetricName": "Latency", "Dimensions": dims, "Timestamp": when, "Values": values}],
        )


def test_regression_is_posted_once_to_the_service_channel(stack: Devstack) -> None:
    cw = boto3.client("cloudwatch", endpoint_url=stack.aws.endpoint_url, region_name="us-east-1")
    baseline = {d: [80.0 + d] * 20 for d in range(1, 8)}  # p95 of day d: 80 + d → median 84
    _latency_hours(cw, [130.0] * 20, baseline)
    expected_baseline = sorted(80.0 + d for d in range(1, 8))[3]
    first = _schedule("regressions")
    assert first["ok"] and first["regressions"] == 1 and first["posted"] == 1
    (finding,) = stack.slack.messages("#perf-alerts")  # monitoring-api's route in perfbot.yml
    text = finding.plain_text()
    assert "API Gateway latency p95" in text and f"+{(130 / expected_baseline - 1) * 100:.0f} %" in text
    again = _schedule("regressions")
    assert again["regressions"] == 1 and again["posted"] == 0  # still regressed, not reposted
    assert len(stack.slack.messages("#perf-alerts")) == 1


def test_no_regression_within_20_percent(stack: Devstack) -> None:
    cw = boto3.client("cloudwatch", endpoint_url=stack.aws.endpoint_url, region_name="us-east-1")
    _latency_hours(cw, [100.0] * 20, {d: [90.0] * 20 for d in range(1, 8)})  # +11 %
    result = _schedule("regressions")
    assert result["checked"] == 1 and result["regressions"] == 0
    assert stack.slack.messages("#perf-alerts") == []


def test_cli_sla_prints_the_same_numbers(stack: Devstack, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    write_known_datapoints(stack.aws.endpoint_url)
    assert main(["sla", "monitoring-api", "24h"]) == 0
    out = capsys.readouterr().out
    slash_text = _slack_sla(stack)
    for line in out.splitlines():
        if "Availability:" in line:
            value = line.split("Availability: ")[1].split(" (")[0]
            assert value in slash_text  # the terminal and Slack agree to the digit
            break
    else:
        pytest.fail("no availability line")
    assert main(["sla", "nosuch"]) == 2
    assert "Known services: monitoring-api" in capsys.readouterr().err


def _slack_sla(stack: Devstack) -> str:
    import handlers.slack

    slash(stack, handlers.slack, "sla monitoring-api")
    return stack.slack.messages("#perf-alerts")[-1].plain_text()


def test_perf_cost_estimates_from_metrics_and_prices(stack: Devstack, slack_handler: Any) -> None:
    from bot.settings import get_settings

    cw = boto3.client("cloudwatch", endpoint_url=stack.aws.endpoint_url, region_name="us-east-1")
    end = report_end()
    dims = [{"Name": "ApiName", "Value": "monitoring-api"}]
    for hours_ago in (1, 2):  # two hours with 36,000 requests each
        when = end - timedelta(hours=hours_ago, minutes=-10)
        cw.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[{"MetricName": "Count", "Dimensions": dims, "Timestamp": when, "Value": 36000.0}],
        )
    slash(stack, slack_handler, "cost monitoring-api")
    text = stack.slack.messages("#perf-alerts")[-1].plain_text()
    monthly_requests = 72000 / 2 * 730  # scaled from the 2 hours that have data
    price = get_settings().pricing.apigw_rest_request_per_million
    assert f"{monthly_requests / 1e6:,.2f} M requests → *${monthly_requests / 1e6 * price:,.2f}*" in text
    # the function, the table and the configured REST API (by its id) do not exist here: said, not zero
    assert "Missing: API Gateway cache configuration (NotFoundException); Lambda monitoring-api-dev memory" in text
    assert "from 2 h of data" in text


def test_schedule_knows_both_tasks() -> None:
    from bot.schedule import load_tasks

    assert {"digest", "regressions"} <= set(load_tasks())
    assert datetime.now(UTC) > NOW - timedelta(hours=1)


def test_cost_of_the_simulated_service_line_by_line(stack: Devstack) -> None:
    from dataclasses import replace

    from bot.reports.cost import build_cost_report
    from bot.settings import get_settings
    from devstack.simulator import get_scenario, simulate

    settings = get_settings()
    end = report_end()  # 5-minute aligned: the simulated day is exactly 24 hourly buckets of the report
    scenario = replace(get_scenario("healthy"), provisioned_concurrency=3, cache_enabled=True, cache_cluster_size="0.5")
    sim = simulate(settings, scenario=scenario, now=end)
    report = build_cost_report(settings, now=end + timedelta(minutes=1))
    (service,) = report.services
    lines = {line.item: line for line in service.lines}
    pricing, scale = settings.pricing, 730 / 24
    assert service.observed_hours == 24 and not service.missing
    assert lines["API Gateway requests"].quantity == pytest.approx(sim.requests * scale / 1e6)
    assert lines["API Gateway requests"].monthly_usd == pytest.approx(
        sim.requests * scale / 1e6 * pricing.apigw_rest_request_per_million
    )
    assert lines["Lambda monitoring-api-dev requests"].quantity == pytest.approx(sim.invocations * scale / 1e6)
    assert lines["API Gateway cache"].monthly_usd == pytest.approx(730 * pricing.apigw_cache_gb_hour["0.5"])
    memory_gb = scenario.memory_mb / 1024
    provisioned = lines["Lambda monitoring-api-dev provisioned concurrency"]
    assert provisioned.quantity == pytest.approx(3 * memory_gb * 730 * 3600)
    assert provisioned.monthly_usd == pytest.approx(3 * memory_gb * 730 * 3600 * pricing.lambda_provisioned_gb_second)
    reads = lines["DynamoDB ApplicationMetrics-dev reads"]
    assert reads.monthly_usd == pytest.approx(scenario.provisioned_rcu * 730 * pricing.dynamodb_rcu_hour)
    duration_ms = _duration_sum(stack, end)  # GetMetricStatistics, not the report's GetMetricData
    compute = lines["Lambda monitoring-api-dev compute"]
    assert compute.quantity == pytest.approx(duration_ms / 1000 * memory_gb * scale, rel=1e-9)


def _duration_sum(stack: Devstack, end: datetime) -> float:
    cw = boto3.client("cloudwatch", endpoint_url=stack.aws.endpoint_url, region_name="us-east-1")
    answer = cw.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Duration",
        Dimensions=[{"Name": "FunctionName", "Value": "monitoring-api-dev"}],
        StartTime=end - timedelta(days=1),
        EndTime=end,
        Period=86400,
        Statistics=["Sum"],
    )
    return float(sum(point["Sum"] for point in answer["Datapoints"]))
