"""`python -m bot analyze` against the simulated service in the embedded AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.cli import main
from bot.settings import get_settings
from devstack.simulator import simulate
from devstack.simulator.analysis_scenarios import BY_NAME

pytestmark = pytest.mark.functional


def test_cli_analyze_prints_the_recommendations_and_proposes_nothing(stack: Any, capsys: Any) -> None:
    simulate(get_settings(), scenario=BY_NAME["cacheable-gets"].scenario)  # slow reads all day: a cache
    assert main(["analyze", "--service", "monitoring-api"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 recommendation for monitoring-api (rule engine)")
    assert "apigw_cache  monitoring-api/dev" in out and "off -> on, 0.5 GB, TTL 300 s" in out
    assert stack.slack.calls["chat.postMessage"] == 0  # the terminal shows; it posts and proposes nothing

    assert main(["analyze", "--kind", "apigw_cache", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert [r["kind"] for r in result["recommendations"]] == ["apigw_cache"]


@pytest.mark.parametrize("args", [["--service", "payments"], ["--kind", "iam_policy"]])
def test_cli_analyze_rejects_unknown_names(stack: Any, capsys: Any, args: list[str]) -> None:
    assert main(["analyze", *args]) == 2
    assert "known" in capsys.readouterr().err
