"""The scenario corpus end to end: simulate the day in the embedded AWS, gather, run the rule engine.

For every scenario the rule engine must find each recommendation a senior SRE expects, and propose nothing else
(beyond what the scenario tolerates); the healthy day gets nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.analysis.analyzer import analyze
from bot.changes.kinds import kind_names
from bot.settings import get_settings
from devstack.simulator import simulate
from devstack.simulator.analysis_scenarios import CORPUS, AnalysisScenario

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a fixed day: the simulator is deterministic per scenario and end


@pytest.mark.parametrize("entry", CORPUS, ids=[e.scenario.name for e in CORPUS])
def test_rule_engine_finds_what_a_senior_sre_expects(stack: Any, entry: AnalysisScenario) -> None:
    settings = get_settings()
    simulate(settings, scenario=entry.scenario, now=NOW)
    result = analyze("monitoring-api", settings=settings, now=NOW)
    assert result.source == "rules" and result.dropped == [] and result.notes == []
    found = [(r.kind, r.current, r.proposed) for r in result.recommendations]
    for expected in entry.expected:
        assert any(expected.matches(*rec) for rec in found), f"{entry.scenario.name}: missing {expected} in {found}"
    allowed = {e.kind for e in entry.expected} | set(entry.tolerated)
    unexpected = [rec for rec in found if rec[0] not in allowed]
    assert unexpected == [], f"{entry.scenario.name}: unexpected {unexpected}"
    for rec in result.recommendations:
        assert rec.rationale and any(ch.isdigit() for ch in rec.rationale)  # each rule explains itself with numbers
    if not entry.expected:
        assert result.recommendations == []


def test_the_corpus_covers_every_kind_and_at_least_twelve_problems() -> None:
    assert len(CORPUS) >= 12
    kinds = {e.kind for entry in CORPUS for e in entry.expected}
    assert kinds == set(kind_names())
    assert any(not entry.expected for entry in CORPUS)
