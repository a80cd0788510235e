"""A failure nobody planned for gets one short, safe answer and one log line, wherever it happens: a button's lazy
work, a `/perf` subcommand (its "Working…" placeholder becomes the answer), an ack."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack import messages
from bot.slack.errors import guarded
from tests.conftest import load_event
from tests.support.alarm_helpers import CHANNEL, Clock, click, invoke, slash, top_level

pytestmark = pytest.mark.functional


def failures_logged(caplog: Any) -> list[Any]:
    return [r for r in caplog.records if r.getMessage() == "listener_failed"]


def test_a_button_whose_work_fails_answers_the_clicker_and_logs_once(
    stack: Any, slack_handler: Any, clock: Clock, caplog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.alarms.escalation

    invoke(load_event("alarms_sns_metric_alarm.json"))
    [message] = top_level(stack)

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the incident store is on fire")

    monkeypatch.setattr(bot.alarms.escalation, "acknowledge", broken)
    click(stack, slack_handler, "alarm_ack", message)

    [answer] = stack.slack.ephemerals(CHANNEL, "U0APPROVER1")
    assert answer.text == messages.unexpected_failure()
    assert "on fire" not in answer.text  # the user sees no internals
    [logged] = failures_logged(caplog)
    assert logged.listener == "acknowledge" and "on fire" in str(logged.exc_info[1])


def test_a_subcommand_that_fails_turns_its_placeholder_into_the_failure_answer(
    stack: Any, slack_handler: Any, caplog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.reports.breaker

    def broken(*_: Any, **__: Any) -> Any:
        raise KeyError("breaker")

    monkeypatch.setattr(bot.reports.breaker, "build_breaker_report", broken)
    slash(stack, slack_handler, "breaker")

    [message] = stack.slack.messages(CHANNEL)  # the placeholder, edited: never left saying "Working…"
    assert message.edited and message.text == messages.unexpected_failure()
    assert [r.listener for r in failures_logged(caplog)] == ["/perf breaker"]


def test_a_lazy_listener_that_cannot_answer_is_refused_when_it_is_registered() -> None:
    def silent(body: dict[str, Any]) -> None:
        del body

    with pytest.raises(TypeError, match="must take `respond`"):
        guarded(silent)


def test_an_ack_that_fails_still_answers_slack_and_the_user(
    stack: Any, slack_handler: Any, caplog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.slack.listeners.perf

    def broken() -> Any:
        raise ValueError("help could not be rendered")

    monkeypatch.setattr(bot.slack.listeners.perf, "_help_reply", broken)
    response = slash(stack, slack_handler, "help")

    assert response["statusCode"] == 200  # Slack gets its answer in time; a retry would fail the same way
    [answer] = stack.slack.ephemerals(CHANNEL, "U0APPROVER1")
    assert answer.text == messages.unexpected_failure()
    assert [r.listener for r in failures_logged(caplog)] == ["/perf"]
