"""Follow-ups handled by a container that never saw the original: every step here runs in a fresh process.

On Lambda, the Acknowledge click, the recovery notification or the Undo click usually reaches another container than
the one that posted the message; all it has is what was stored. Slack's chat.update and file uploads take a channel
ID only (a name is ``channel_not_found``), and the strict emulator refuses exactly what Slack refuses, so these pass
only if incidents and proposals store the ID Slack returned.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack import lambdas, slack_requests
from devstack.alarm_events import alarm_message, sns_event
from devstack.cold import invoke_cold
from tests.support import monitored
from tests.support.alarm_helpers import CHANNEL, alarm
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, buttons, card_for, card_text, click_event

pytestmark = pytest.mark.functional


def cold(stack: Any, function: str, event: dict[str, Any]) -> dict[str, Any]:
    """The handler in a new process, with the devstack's endpoints and that function's own credentials; the lazy work
    it starts (an asynchronous self-invocation through the Lambda API) runs in yet another new process."""
    with lambdas.cold_invocations():
        result = invoke_cold(function, event, env=stack.env | stack.function_env(function))
        assert lambdas.wait_idle(120)
    return result


def alarm_event(state: str, at: datetime, previous: str) -> dict[str, Any]:
    return sns_event([alarm_message(alarm(), state, previous=previous, at=at, observed=812.0)])


def button_click(stack: Any, message: Any, action_id: str, user: str = ALICE) -> dict[str, Any]:
    [value] = [
        e.get("value", "")
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    ]
    return slack_requests.click_event(
        stack.slack, stack.signing_secret, action_id, value, user=user, channel=CHANNEL, message_ts=message.ts
    )


def the_incident(stack: Any) -> Any:
    [message] = [m for m in stack.slack.messages(CHANNEL) if not m.is_reply]
    return message


def test_acknowledge_silence_and_recovery_each_in_a_fresh_container(stack: Any) -> None:
    fired = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=3)
    assert cold(stack, "alarms", alarm_event("ALARM", fired, "OK"))["posted"] == 1
    posted = the_incident(stack)

    assert cold(stack, "slack", button_click(stack, posted, "alarm_ack"))["statusCode"] == 200
    acked = the_incident(stack)
    assert acked.edited and "Acknowledged by" in acked.plain_text()

    assert cold(stack, "slack", button_click(stack, acked, "alarm_silence_1h"))["statusCode"] == 200
    assert "Silenced" in the_incident(stack).plain_text()

    summary = cold(stack, "alarms", alarm_event("OK", fired + timedelta(minutes=2), "ALARM"))
    assert summary["resolved"] == 1
    resolved = the_incident(stack)
    assert resolved.ts == posted.ts and "Resolved" in resolved.plain_text()
    edits = [c for c in stack.slack.call_log if c.method == "chat.update"]
    assert len(edits) >= 3 and all(c.channel == stack.slack.channel_id(CHANNEL) for c in edits)
    assert stack.slack.refusals == []


def test_approve_and_undo_each_in_a_fresh_container(function: Any) -> None:
    stack = function
    card = card_for(stack, memory_rec(before=1024, after=1280))  # its undo is medium risk: one approver
    approve = click_event(stack, "approve_proposal", card.id, user=ALICE, message_ts=card.message_ts)
    assert cold(stack, "slack", approve)["statusCode"] == 200
    assert monitored.memory_of() == 1280
    assert "Applied" in card_text(stack, card) and "undo_change" in buttons(stack, card)

    undo = click_event(stack, "undo_change", card.id, user=ALICE, message_ts=card.message_ts)
    assert cold(stack, "slack", undo)["statusCode"] == 200
    assert monitored.memory_of() == 1024
    assert stack.slack.refusals == []
