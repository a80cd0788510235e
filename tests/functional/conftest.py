"""Shared by the functional tests: the alarm pipeline's clock, the monitored function and its Slack users."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support import monitored
from tests.support.alarm_helpers import Clock
from tests.support.slack_clicks import ALICE, BOB, CAROL

ALARM_START = datetime(2026, 11, 26, 18, 55, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_access_denied(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every request IAM refused fails the test that made it: each handler runs under its function's role, as the
    packaged template defines it, so a denial here is a denial on AWS. A test that provokes one on purpose takes it
    out with ``stack.aws.clear_denials()`` and asserts on it."""
    stack = request.getfixturevalue("stack") if "stack" in request.fixturenames else None
    yield
    denials = stack.aws.denials if stack is not None else []
    assert not denials, "AWS denied requests (the function's IAM role would on a deployment too):\n" + "\n".join(
        f"  {d.action} on {d.resource} by {d.principal}" + (f" (explicit Deny {d.statement})" if d.explicit else "")
        for d in denials
    )


@pytest.fixture
def clock(stack: Any) -> Iterator[Clock]:
    """The alarm pipeline on a clock that starts at ALARM_START and moves only when a test says so."""
    from bot.alarms import service

    clock = Clock(ALARM_START)
    service.configure(clock=clock, sleep=clock.sleep)
    yield clock
    service.configure()


@pytest.fixture
def function(stack: Any) -> Any:
    """The monitored Lambda function at 1024 MB, and Alice, Carol (approvers) and Bob known to Slack."""
    monitored.create_function(memory_mb=1024)
    for user, name in ((ALICE, "alice"), (CAROL, "carol"), (BOB, "bob")):
        stack.slack.add_user(user, name, name.title())
    return stack
