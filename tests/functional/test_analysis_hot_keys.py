"""A hot partition key through `/perf analyze`, under the Slack function's IAM role: throttles on a mostly idle table
get a note and no capacity card; with Contributor Insights on, the note names the key it ranked first."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.settings import get_settings
from devstack import lambdas
from devstack.simulator import simulate
from devstack.simulator.analysis_scenarios import BY_NAME
from tests.support.alarm_helpers import slash, top_level

pytestmark = pytest.mark.functional


def _analysis(stack: Any, slack_handler: Any, scenario: str) -> str:
    simulate(get_settings(), scenario=BY_NAME[scenario].scenario)
    assert slash(stack, slack_handler, "analyze")["statusCode"] == 200
    assert lambdas.wait_idle(timeout=90)
    messages = top_level(stack)
    assert not any("DynamoDB capacity" in m.text for m in messages[1:])  # no capacity card
    return json.dumps([m.blocks for m in messages])


def test_contributor_insights_on_names_the_hot_key_and_proposes_no_capacity(stack: Any, slack_handler: Any) -> None:
    text = _analysis(stack, slack_handler, "dynamodb-hot-key-insights")
    assert "hot partition" in text and "none is proposed" in text
    # the simulator's 20 reads of the hot key, plus any reads of it by earlier tests on the same stack
    ranked = re.search(r"most accessed partition keys over the window: `monitoring-api` \((\d+)\), `service-", text)
    assert ranked and int(ranked.group(1)) >= 20


def test_contributor_insights_off_says_to_enable_it(stack: Any, slack_handler: Any) -> None:
    text = _analysis(stack, slack_handler, "dynamodb-hot-key")
    assert "hot partition" in text
    assert "Enable CloudWatch Contributor Insights on the table to see which partition keys are hot" in text
