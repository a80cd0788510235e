"""Unit fixtures: settings from the shipped perfbot.yml and an in-memory CloudWatch gateway (no network)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.aws.cloudwatch import MetricQuery, Series


class FakeCloudWatch:
    """Answers GetMetricData from canned series per query id; records every call (queries, start, end)."""

    def __init__(self, answers: dict[str, Series] | None = None, error: Exception | None = None) -> None:
        self.answers = answers or {}
        self.error = error
        self.calls: list[tuple[list[MetricQuery], datetime, datetime]] = []

    def get_metric_data(self, queries: list[MetricQuery], start: datetime, end: datetime) -> dict[str, Series]:
        self.calls.append((queries, start, end))
        if self.error:
            raise self.error
        return {q.id: self.answers.get(q.id, Series(id=q.id, label=q.id)) for q in queries}

    def widget_image(self, widget: dict[str, Any]) -> bytes:
        return b"\x89PNG fake"


@pytest.fixture(autouse=True)
def no_package_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SLA report's CodeSize lookup without AWS: sizes unknown unless a test gives them."""
    from bot.reports import sla

    monkeypatch.setattr(sla, "code_size_provider", dict.fromkeys)


@pytest.fixture
def settings() -> Any:
    from bot.settings import load_settings

    return load_settings({})
