"""`/perf maintenance`: who may switch it, its scope per service, its audit trail, what it answers, and the original
message of an incident that recovers meanwhile — through signed slash commands and the real alarms handler."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.audit import audit_log
from tests.support.alarm_helpers import CHANNEL, Clock, alarm, event, invoke, slash, top_level

pytestmark = pytest.mark.functional

OTHER = alarm(  # an alarm of no configured service
    "Queue-Backlog",
    Namespace="Custom/Jobs",
    MetricName="Backlog",
    Dimensions=[{"Name": "Queue", "Value": "imports"}],
    ExtendedStatistic=None,
    Statistic="Maximum",
)


def replies_to_user(stack: Any) -> list[str]:
    return [e.text for e in stack.slack.ephemerals()]


def test_only_approvers_may_switch_maintenance_and_refusals_are_audited(
    stack: Any, slack_handler: Any, clock: Clock
) -> None:
    stack.slack.add_user("U0NOBODY", "mallory", "Mallory")
    slash(stack, slack_handler, "maintenance on 2h", user="U0NOBODY")

    assert any("Only perfbot's configured approvers" in t for t in replies_to_user(stack))
    assert invoke(event(alarm(), "ALARM", clock.at()))["posted"] == 1  # nothing was muted
    [refusal] = audit_log().latest(1)
    assert refusal.action == "refused" and refusal.actor == "U0NOBODY" and refusal.kind == "maintenance"


def test_maintenance_of_one_service_mutes_only_its_alarms_and_is_audited(
    stack: Any, slack_handler: Any, clock: Clock
) -> None:
    slash(stack, slack_handler, "maintenance on monitoring-api 1h")

    assert any("monitoring-api" in m.plain_text() and "on" in m.plain_text() for m in top_level(stack))
    assert invoke(event(alarm(), "ALARM", clock.advance(minutes=1)))["suppressed"] == 1  # ApiName=monitoring-api
    assert invoke(event(OTHER, "ALARM", clock.advance(minutes=1)))["posted"] == 1
    [switched] = audit_log().latest(1)
    assert switched.action == "maintenance_on" and switched.actor == "U0APPROVER1"
    assert switched.resource == "maintenance:monitoring-api" and switched.after["until"] > clock.now

    slash(stack, slack_handler, "maintenance off monitoring-api")

    summary = next(m for m in top_level(stack) if "Maintenance ended" in m.plain_text())
    assert "1 notification was suppressed" in summary.plain_text()
    assert audit_log().latest(1)[0].action == "maintenance_off"


def test_maintenance_alone_shows_status_and_usage(stack: Any, slack_handler: Any, clock: Clock) -> None:
    """Bare, the command needs parameters: its modal (issue 16) asks for them and shows the status and usage."""
    slash(stack, slack_handler, "maintenance")

    texts = [m.plain_text() for m in top_level(stack)] + replies_to_user(stack)
    assert not any("unknown maintenance command" in t for t in texts)
    [view] = stack.slack.views()
    shown = json.dumps(view)
    assert "Maintenance mode is off" in shown and "/perf maintenance on [service] [duration]" in shown


def test_a_huge_argument_is_not_echoed_back(stack: Any, slack_handler: Any, clock: Clock) -> None:
    words = " ".join(["lorem"] * 8_500)  # ≈ 50 kB
    slash(stack, slack_handler, f"maintenance {words}")

    [answer] = [t for t in replies_to_user(stack) if "maintenance" in t]
    assert "unknown maintenance command" in answer and len(answer) < 400


def test_an_ok_during_maintenance_edits_the_original_without_a_new_post(
    stack: Any, slack_handler: Any, clock: Clock
) -> None:
    invoke(event(alarm(), "ALARM", clock.at()))
    [original] = top_level(stack)
    slash(stack, slack_handler, "maintenance on 30m")
    posts = len(top_level(stack))

    summary = invoke(event(alarm(), "OK", clock.advance(minutes=12), previous="ALARM", observed=120.0))

    assert summary["suppressed"] == 1 and len(top_level(stack)) == posts
    [message] = [m for m in top_level(stack) if m.ts == original.ts]
    assert message.edited and "RESOLVED · API-HighLatency-P95" in message.blocks[0]["text"]["text"]
    assert not [b for b in message.blocks if b["type"] == "actions"]
    assert not [r for r in stack.slack.replies(CHANNEL, message.ts) if "resolved" in r.text]  # no notification
