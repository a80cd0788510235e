"""A few corpus scenarios end to end through the embedded AWS: simulate the day, gather over GetMetricData and the
describe APIs, run the rule engine — the in-memory corpus (test_corpus.py) must agree with the real path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.analysis.analyzer import analyze
from bot.settings import get_settings
from devstack.simulator import simulate
from devstack.simulator.analysis_scenarios import BY_NAME

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a fixed day: the simulator is deterministic per scenario and end
THROUGH_AWS = ("default", "cold-starts", "memory-pressure", "api-throttled", "dynamodb-idle", "pc-over-provisioned")


@pytest.mark.parametrize("name", THROUGH_AWS)
def test_rule_engine_through_the_embedded_aws_finds_what_a_senior_sre_expects(stack: Any, name: str) -> None:
    entry = BY_NAME[name]
    settings = get_settings()
    simulate(settings, scenario=entry.scenario, now=NOW)
    result = analyze("monitoring-api", settings=settings, now=NOW)
    assert result.source == "rules" and result.dropped == []
    found = [(r.kind, r.current, r.proposed) for r in result.recommendations]
    for expected in entry.expected:
        assert any(expected.matches(*rec) for rec in found), f"{name}: missing {expected} in {found}"
    harmful = [rec for rec in found for forbidden in entry.forbidden if forbidden.matches(*rec)]
    assert harmful == [], f"{name}: harmful {harmful}"
    allowed = {e.kind for e in entry.expected} | set(entry.tolerated)
    assert [rec for rec in found if rec[0] not in allowed] == [], f"{name}: unexpected in {found}"
    for rec in result.recommendations:
        assert rec.rationale and any(ch.isdigit() for ch in rec.rationale)  # each rule explains itself with numbers
