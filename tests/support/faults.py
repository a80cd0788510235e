"""Fault tests' clock: the retries of botocore and slack_sdk back off without really sleeping."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest


@pytest.fixture
def instant_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every back-off botocore and slack_sdk would sleep, recorded instead of slept."""
    slept: list[float] = []
    fake = SimpleNamespace(sleep=slept.append, time=time.time, monotonic=time.monotonic)
    for module in ("botocore.endpoint", "slack_sdk.http_retry.handler", "slack_sdk.http_retry.builtin_handlers"):
        monkeypatch.setattr(f"{module}.time", fake)
    yield slept
