"""Shared fixtures: one devstack (embedded AWS + Slack emulator) per test process, reset between tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.devstack.stack import Devstack

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """A canonical event fixture from tests/events (AWS's and Slack's documented shapes)."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def devstack() -> Iterator[Devstack]:
    with Devstack() as stack:
        yield stack


@pytest.fixture
def stack(devstack: Devstack) -> Iterator[Devstack]:
    """The devstack with AWS and Slack state wiped, perfbot's tables created."""
    from bot.aws.clients import reset_clients
    from bot.bootstrap import bootstrap
    from bot.settings import get_settings, reset_settings
    from bot.slack.channels import reset_channel_directories

    devstack.aws.reset()
    devstack.slack.reset()
    reset_clients()
    reset_settings()
    reset_channel_directories()
    bootstrap(get_settings())
    yield devstack


@pytest.fixture
def slack_handler(stack: Devstack) -> Any:
    """``handlers.slack`` imported against the devstack (its app reads the environment at import)."""
    import handlers.slack

    return handlers.slack
