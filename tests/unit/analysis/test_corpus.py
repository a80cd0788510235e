"""The labelled scenario corpus, in memory: every scenario's expected recommendations are found (recall), none of
its forbidden kinds or directions is proposed (0 harmful), every proposal passes the guardrails (AWS-valid), and the
note a silent rule owes the user is said. The estimates against the simulated truth are `make quality`'s."""

from __future__ import annotations

import pytest

from bot.changes.kinds import kind_names
from bot.settings import load_settings
from devstack.simulator.analysis_scenarios import CORPUS, AnalysisScenario
from devstack.simulator.quality import evaluate_scenario


@pytest.mark.parametrize("entry", CORPUS, ids=[e.name for e in CORPUS])
def test_scenario_gets_what_a_senior_sre_expects_and_nothing_harmful(entry: AnalysisScenario) -> None:
    outcome = evaluate_scenario(entry, load_settings({}), with_truth=False)
    assert outcome.missing == [], f"{entry.name}: missing {outcome.missing}"
    assert outcome.harmful == [], f"{entry.name}: harmful {outcome.harmful}"
    assert outcome.invalid == [], f"{entry.name}: refused by the guardrails {outcome.invalid}"
    assert outcome.unexpected == [], f"{entry.name}: unexpected {outcome.unexpected}"
    assert not outcome.note_missing, f"{entry.name}: no note with {entry.note!r} in {outcome.notes}"
    for rec in outcome.recommendations:
        measured = rec.kind != "breaker_thresholds" or "Typical traffic" in rec.rationale  # a timeout is config
        assert not measured or "last 24 h" in rec.rationale, rec.rationale  # every measured card names its window


def test_the_corpus_is_large_and_covers_every_kind_positive_and_negative() -> None:
    assert len(CORPUS) >= 30
    assert {e.kind for entry in CORPUS for e in entry.expected} == set(kind_names())
    forbidden = {f.kind for entry in CORPUS for f in entry.forbidden}
    assert forbidden >= set(kind_names()) - {"breaker_thresholds"}
    assert sum(1 for entry in CORPUS if not entry.expected) >= 10  # look-alikes and missing data: stay silent
    assert len({entry.name for entry in CORPUS}) == len(CORPUS)
