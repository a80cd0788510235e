"""App Home over the Events API, on the same request URL as commands and buttons: url_verification, signed events,
Slack's retries, the Home view perfbot publishes, and Undo from the tab — against the strict Slack emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.changes.store import proposal_store
from devstack import lambdas, slack_requests
from tests.support.alarm_helpers import LATENCY_ALARM, event, invoke
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, BOB, CAROL, card_for, click

pytestmark = pytest.mark.functional


def deliver(stack: Any, user: str, **retry: Any) -> dict[str, Any]:
    """Slack delivers ``app_home_opened`` for ``user`` (with ``retry_num``/``retry_reason`` on a re-delivery)."""
    body = slack_requests.event_callback_body(stack.slack.app_home_opened(user), event_id="Ev0HOME0001")
    response = lambdas.invoke("slack", slack_requests.events_api_event(body, stack.signing_secret, **retry))
    lambdas.wait_idle()
    return dict(response)


def home_text(stack: Any, user: str) -> str:
    view = stack.slack.home_view(user)
    assert view is not None, "no Home view was published"
    return json.dumps(view["blocks"])


def test_url_verification_echoes_the_challenge_only_when_signed(stack: Any, slack_handler: Any) -> None:
    body = slack_requests.url_verification_body("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    answer = lambdas.invoke("slack", slack_requests.events_api_event(body, stack.signing_secret))
    assert answer["statusCode"] == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer["body"]

    forged = lambdas.invoke("slack", slack_requests.events_api_event(body, "not-the-signing-secret"))
    assert forged["statusCode"] == 401


def test_opening_the_home_tab_publishes_what_is_open(function: Any, slack_handler: Any) -> None:
    invoke(event(LATENCY_ALARM, "ALARM", datetime.now(UTC)))
    [alarm] = [m for m in function.slack.messages("#perf-alerts") if "API-HighLatency-P95" in m.text]
    click(slack_handler, function, "alarm_ack", "API-HighLatency-P95", user=ALICE, message_ts=alarm.ts)
    pending = card_for(function, memory_rec(before=1024, after=1536))
    applied = card_for(function, memory_rec(before=1024, after=1280, risk="low"))
    click(slack_handler, function, "approve_proposal", applied.id, user=ALICE, message_ts=applied.message_ts)

    answer = deliver(function, BOB)

    assert answer["statusCode"] == 200
    assert function.slack.calls["views.publish"] == 1
    view = function.slack.home_view(BOB)
    assert view is not None and view["type"] == "home"
    text = home_text(function, BOB)
    assert "API-HighLatency-P95" in text and f"acknowledged by <@{ALICE}>" in text
    assert pending.id in text and "Awaiting a decision" in text
    assert applied.id in text and "home_undo_change" in text
    assert "SLA" in text and "monitoring-api" in text
    assert function.slack.home_view(ALICE) is None  # only the viewer's tab


def test_a_retry_after_a_late_answer_does_not_publish_twice(function: Any, slack_handler: Any) -> None:
    deliver(function, BOB)
    again = deliver(function, BOB, retry_num=1, retry_reason="http_timeout")
    assert again["statusCode"] == 200
    assert function.slack.calls["views.publish"] == 1

    deliver(function, BOB, retry_num=2, retry_reason="http_error")  # the earlier delivery failed: do the work
    assert function.slack.calls["views.publish"] == 2


def test_undo_from_the_home_tab_runs_on_the_card(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec(before=1024, after=1536))
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    deliver(function, CAROL)

    payload = slack_requests.block_actions_payload(
        "home_undo_change",
        p.id,
        user=CAROL,
        channel_id="",
        channel_name="",
        message={},
        response_url="",
    )
    view = function.slack.home_view(CAROL)
    payload |= {"container": {"type": "view", "view_id": view["id"]}, "view": view, "channel": None}
    del payload["response_url"], payload["message"]
    lambdas.invoke(
        "slack", slack_requests.signed_event(slack_requests.block_action_body(payload), function.signing_secret)
    )
    lambdas.wait_idle()

    [undo] = [q for q in proposal_store().pending() if q.undo_of == p.id]  # high risk: another approver decides
    assert any(m.ts == undo.message_ts for m in function.slack.replies("#perf-alerts", p.message_ts))
    assert "another approver has to approve it" in home_text(function, CAROL)

    payload["user"]["id"] = BOB  # not an approver: refused, and the tab says so
    lambdas.invoke(
        "slack", slack_requests.signed_event(slack_requests.block_action_body(payload), function.signing_secret)
    )
    lambdas.wait_idle()
    assert ":lock:" in home_text(function, BOB)
