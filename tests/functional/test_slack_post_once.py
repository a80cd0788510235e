"""A post whose answer is lost (a reset after Slack took it, or a 500) is found by its metadata, not repeated."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.delivery.alarms import INCIDENT_EVENT
from bot.slack.delivery.changes import CARD_EVENT
from devstack import faults
from tests.conftest import load_event
from tests.support.alarm_helpers import CHANNEL, Clock, invoke, top_level
from tests.support.change_factories import memory_rec
from tests.support.faults import instant_retries  # noqa: F401 - fixture
from tests.support.slack_clicks import ALICE, CAROL, card_for, click

pytestmark = [pytest.mark.functional, pytest.mark.usefixtures("instant_retries")]


@pytest.fixture(autouse=True)
def bot_in_channel(stack: Any) -> None:
    """Reading history needs membership (memberships outlive the devstack's reset: another test may have left)."""
    stack.slack.invite_bot(CHANNEL)


def cards(stack: Any) -> list[Any]:
    return [m for m in stack.slack.messages(CHANNEL) if (m.metadata or {}).get("event_type") == CARD_EVENT]


@pytest.mark.parametrize("mode", ["reset_after_success", "error"])
def test_a_card_is_posted_once_when_the_answer_is_lost(function: Any, mode: Any) -> None:
    with faults.inject("slack", "chat.postMessage", mode) as lost:
        p = card_for(function, memory_rec())
    assert lost.hits == 1
    [card] = cards(function)
    assert card.ts == p.message_ts and card.metadata == {"event_type": CARD_EVENT, "event_payload": {"id": p.id}}
    assert function.slack.calls["conversations.history"] == 1  # looked before posting again


def test_an_alarm_is_posted_once_when_the_connection_resets(stack: Any, clock: Clock) -> None:
    with faults.inject("slack", "chat.postMessage", "reset_after_success", when=lambda r: "metadata" in r.params):
        summary = invoke(load_event("alarms_sns_metric_alarm.json"))
    assert summary["posted"] == 1
    [message] = top_level(stack)
    assert message.metadata is not None and message.metadata["event_type"] == INCIDENT_EVENT


def test_history_shows_metadata_only_when_asked(function: Any) -> None:
    from bot.slack.app import slack_client

    p = card_for(function, memory_rec())
    client, channel = slack_client(), function.slack.channel_id(CHANNEL)
    [plain] = client.conversations_history(channel=channel)["messages"]
    assert "metadata" not in plain
    [full] = client.conversations_history(channel=channel, include_all_metadata=True)["messages"]
    assert full["metadata"]["event_payload"] == {"id": p.id}
    assert client.conversations_history(channel=channel, oldest=p.message_ts)["messages"] == []
    assert len(client.conversations_history(channel=channel, oldest=p.message_ts, inclusive=True)["messages"]) == 1


def test_an_undo_card_in_a_thread_is_posted_once(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    in_thread = {"thread_ts": p.message_ts}
    with faults.inject("slack", "chat.postMessage", "reset_after_success", where=in_thread) as lost:
        click(slack_handler, function, "undo_change", p.id, user=CAROL, message_ts=p.message_ts)
    assert lost.hits == 1
    thread = function.slack.replies(CHANNEL, p.message_ts)
    undo_cards = [m for m in thread if m.ts != p.message_ts and (m.metadata or {}).get("event_type") == CARD_EVENT]
    assert len(undo_cards) == 1 and function.slack.calls["conversations.replies"] == 1
