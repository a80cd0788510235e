"""Shared fixtures: one devstack (embedded AWS + Slack emulator) per test process, reset between tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.stack import Devstack
from tests import slack_scopes

EVENTS = Path(__file__).parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """A canonical event fixture from tests/events (AWS's and Slack's documented shapes)."""
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def devstack(pytestconfig: pytest.Config) -> Iterator[Devstack]:
    with Devstack() as stack:
        yield stack
        slack_scopes.record(pytestconfig, stack.slack.scopes_used(since_start=True))


@pytest.hookimpl(trylast=True)  # after the session fixtures are torn down (the devstack records its scopes then)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Workers hand their scopes to the controller; the controller (or a run without xdist) judges least scopes."""
    config = session.config
    if hasattr(config, "workeroutput"):
        config.workeroutput[slack_scopes.WORKER_KEY] = sorted(slack_scopes.used(config))
        return
    if exitstatus != 0 or not slack_scopes.whole_suite_ran(config):
        return
    problems = slack_scopes.verdict(slack_scopes.used(config))
    if problems:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_sep("=", "least scopes", red=True)
            for problem in problems:
                reporter.write_line(problem)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker finished; keep the scopes its calls needed."""
    slack_scopes.record(node.config, set(getattr(node, "workeroutput", {}).get(slack_scopes.WORKER_KEY, [])))


@pytest.fixture
def stack(devstack: Devstack) -> Iterator[Devstack]:
    """The devstack with AWS and Slack state wiped, perfbot's tables created."""
    from bot.aws.clients import reset_clients
    from bot.bootstrap import bootstrap
    from bot.health.heartbeat import reset_pace
    from bot.settings import get_settings, reset_settings
    from bot.slack.channels import reset_channel_directories
    from devstack.faults import FAULTS
    from devstack.stack import forget_default_boto3_session

    FAULTS.clear()
    forget_default_boto3_session()  # boto3.client(...) in a test: the operator's keys, not an earlier test's
    devstack.aws.reset()
    devstack.slack.reset()
    reset_clients()
    reset_settings()
    reset_channel_directories()
    reset_pace()  # each test's stack is a new container: its first alarm batch writes the heartbeat
    bootstrap(get_settings())
    yield devstack
    refused = devstack.slack.unexpected_refusals
    assert not refused, "Slack refused calls perfbot made (a real workspace would too):\n" + "\n".join(
        f"  {r.method} → {r.error} (channel {r.channel}) {r.detail}" for r in refused
    )


@pytest.fixture
def slack_handler(stack: Devstack) -> Any:
    """``handlers.slack`` imported against the devstack (its app reads the environment at import)."""
    import handlers.slack

    return handlers.slack
