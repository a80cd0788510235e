"""The hourly analysis posts a recommendation once, stays quiet while it is unchanged, and posts it again when the
proposed values change (a new fingerprint)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.analysis import analyzer
from bot.analysis.models import AnalysisResult, Recommendation
from bot.analysis.tasks import PostedFingerprints, hourly_analysis
from bot.settings import get_settings

pytestmark = pytest.mark.functional


def memory(mb: int) -> Recommendation:
    return Recommendation(
        kind="lambda_memory",
        service="monitoring-api",
        target="monitoring-api-dev",
        current={"memory_mb": 1024},
        proposed={"memory_mb": mb},
        rationale=f"test {mb}",
        confidence=0.8,
    )


def test_only_new_or_changed_recommendations_are_posted(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    answers: list[list[Recommendation]] = [[memory(1536)], [memory(1536)], [memory(2048)], []]
    published: list[list[str]] = []

    def fake_analyze(service: str, kind: str | None = None, **_: Any) -> AnalysisResult:
        return AnalysisResult(service=service, recommendations=answers.pop(0))

    def fake_publish(result: AnalysisResult, channel: str) -> None:
        published.append([str(r.proposed["memory_mb"]) for r in result.recommendations])

    monkeypatch.setattr(analyzer, "analyze", fake_analyze)
    posted = [
        hourly_analysis({"task": "analyze"}, fake_publish)["services"]["monitoring-api"]["posted"] for _ in range(4)
    ]
    assert posted == [1, 0, 1, 0]
    assert published == [["1536"], ["2048"]]
    assert PostedFingerprints(get_settings().tables.state).load("monitoring-api") == set()
