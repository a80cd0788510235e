"""Exactly once: 100 concurrent approvals of one proposal, and a burst of signed clicks and Slack retries."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from bot.audit import audit_log
from bot.changes.authorize import Click
from bot.slack.app import slack_client
from bot.slack.delivery.changes import change_orchestrator
from bot.slack.listeners.changes import SlackDirectory
from devstack import lambdas
from tests.support import monitored
from tests.support.aws_hooks import count_calls
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, CAROL, buttons, card_for, card_text, click_event, ephemerals_for

pytestmark = pytest.mark.functional


def test_100_concurrent_approvals_apply_once(function: Any) -> None:
    p = card_for(function, memory_rec())
    orch = change_orchestrator()
    directory = SlackDirectory(slack_client())
    barrier = threading.Barrier(100)
    statuses: list[str] = []

    def approve(i: int) -> None:
        clicker = Click(user=(ALICE, CAROL)[i % 2], channel_id=p.channel, channel_name="perf-alerts")
        barrier.wait()
        statuses.append(orch.approve(p.id, clicker, directory).status)

    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        threads = [threading.Thread(target=approve, args=(i,)) for i in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(updates) == 1
    assert Counter(statuses) == {"applied": 1, "already": 99}
    assert [e.action for e in audit_log().for_change(p.id)].count("applied") == 1
    assert [e.action for e in audit_log().for_change(p.id)].count("approved") == 1
    assert monitored.memory_of() == 1536
    assert audit_log().verify_chain().ok


def test_concurrent_signed_clicks_and_slack_retries_apply_once(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    events = [
        click_event(
            function,
            "approve_proposal",
            p.id,
            user=(ALICE, CAROL)[i % 2],
            message_ts=p.message_ts,
            retry_num=(i % 3) or None,
        )
        for i in range(24)
    ]
    barrier = threading.Barrier(len(events))
    responses: list[int] = []

    def send(event: dict[str, Any]) -> None:
        barrier.wait()
        responses.append(lambdas.invoke("slack", event)["statusCode"])

    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        threads = [threading.Thread(target=send, args=(e,)) for e in events]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert lambdas.wait_idle(60)
    assert responses == [200] * len(events)  # every click is acknowledged at once
    assert len(updates) == 1
    actions = [e.action for e in audit_log().for_change(p.id)]
    assert actions == ["proposed", "approved", "applied"]
    assert monitored.memory_of() == 1536
    assert "Applied" in card_text(function, p) and buttons(function, p) == ["undo_change"]
    told = ephemerals_for(function, ALICE) + ephemerals_for(function, CAROL)
    assert len(told) == len(events) - 1  # every losing click hears who won
    assert all("Already applied by" in t or "is applying this change right now" in t for t in told)
