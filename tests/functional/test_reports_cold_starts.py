"""`/perf sla`'s Cold starts section on the simulated service, under the Slack function's IAM role: the share and
init p95 Lambda Insights measured, the function's real CodeSize; with Insights off, "n/a — needs Lambda Insights"."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import boto3
import pytest

from bot.settings import get_settings
from devstack.simulator import simulate
from devstack.simulator.analysis_scenarios import BY_NAME
from tests.support.alarm_helpers import CHANNEL, slash

pytestmark = pytest.mark.functional

FUNCTION = "monitoring-api-dev"


def _sla_text(stack: Any, slack_handler: Any, insights: bool) -> str:
    simulate(get_settings(), scenario=replace(BY_NAME["cold-starts"].scenario, insights=insights))
    slash(stack, slack_handler, "sla monitoring-api")
    (message,) = stack.slack.messages(CHANNEL)
    return str(message.plain_text())


def test_the_measured_cold_starts_and_the_package_size(stack: Any, slack_handler: Any) -> None:
    text = _sla_text(stack, slack_handler, insights=True)
    size = boto3.client("lambda").get_function_configuration(FunctionName=FUNCTION)["CodeSize"]
    assert "*Cold starts* (last 24h)" in text
    share = text.split(f"`{FUNCTION}`: ", 1)[1].split(" % cold starts", 1)[0]
    assert 6.0 < float(share) < 10.0  # the scenario's 8 % of invocations start cold
    assert "Lambda Insights), init p95 1," in text  # lognormal around 1.1 s
    assert f"package {size / 1024:,.1f} KB (CodeSize), within the guide's advice (≤ 10 MB)" in text  # a tiny zip


def test_without_lambda_insights_the_section_says_so(stack: Any, slack_handler: Any) -> None:
    text = _sla_text(stack, slack_handler, insights=False)
    assert f"`{FUNCTION}`: cold starts n/a — needs Lambda Insights · package" in text
    assert "init p95" not in text
