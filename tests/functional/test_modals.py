"""Modals against the strict emulator: `/perf maintenance` with no arguments opens one (service, duration, reason);
a high-risk Approve opens one asking for the reason, which the audit log keeps with the approval."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.audit import audit_log
from bot.changes.store import proposal_store
from devstack import lambdas, slack_requests
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, BOB, CHANNEL, buttons, card_for, click

pytestmark = pytest.mark.functional


def slash(stack: Any, text: str, user: str = ALICE) -> dict[str, Any]:
    channel = stack.slack.channel_id(CHANNEL)
    body = slack_requests.slash_command_body(
        text,
        user_id=user,
        channel_id=channel,
        response_url=stack.slack.response_url(channel, user),
        trigger_id=stack.slack.trigger_id(),
    )
    response = lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))
    lambdas.wait_idle()
    return dict(response)


def submit(stack: Any, view: dict[str, Any], user: str, values: dict[str, str]) -> dict[str, Any]:
    payload = slack_requests.view_submission_payload(view, user, values)
    body = slack_requests.block_action_body(payload)
    response = lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))
    lambdas.wait_idle()
    return dict(response)


def opened(stack: Any, callback_id: str) -> dict[str, Any]:
    views = [v for v in stack.slack.views() if v["callback_id"] == callback_id]
    assert views, f"no {callback_id} modal was opened"
    return views[-1]


def maintenance_state() -> Any:
    from bot.alarms.service import stores
    from bot.settings import get_settings

    return stores(get_settings())[1].get()


def test_bare_maintenance_opens_a_modal_and_its_submission_starts_maintenance(stack: Any, slack_handler: Any) -> None:
    response = slash(stack, "maintenance")
    assert response["statusCode"] == 200 and not response.get("body")
    view = opened(stack, "perf_maintenance")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert {"service", "duration", "reason"} <= set(blocks)
    assert [o["value"] for o in blocks["service"]["element"]["options"]][:2] == ["*", "monitoring-api"]
    assert not stack.slack.messages(CHANNEL)  # no "working…" placeholder: the modal is the answer

    answer = submit(stack, view, ALICE, {"service": "*", "duration": "2h", "reason": "database upgrade"})
    assert answer["statusCode"] == 200
    assert maintenance_state().active(time.time()) and maintenance_state().manual_by == ALICE
    [posted] = stack.slack.messages(CHANNEL)
    assert "Maintenance mode is *on*" in json.dumps(posted.blocks) and "database upgrade" in posted.plain_text()


def test_a_bad_duration_is_shown_next_to_the_field(stack: Any, slack_handler: Any) -> None:
    slash(stack, "maintenance")
    view = opened(stack, "perf_maintenance")
    answer = submit(stack, view, ALICE, {"service": "*", "duration": "soon", "reason": "x"})
    assert json.loads(answer["body"])["response_action"] == "errors"
    assert "duration" in json.loads(answer["body"])["errors"]
    assert not maintenance_state().active(time.time())
    assert not stack.slack.messages(CHANNEL)


def test_maintenance_with_arguments_still_runs_the_command(stack: Any, slack_handler: Any) -> None:
    slash(stack, "maintenance status")
    assert not stack.slack.views()
    assert "Maintenance mode is" in stack.slack.messages(CHANNEL)[-1].plain_text()


def test_a_high_risk_approve_asks_for_a_reason_and_audits_it(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec(risk="high"), requester=BOB)  # a person asked: one other approver decides
    assert buttons(function, p) == ["approve_with_reason", "reject_proposal"]
    click(slack_handler, function, "approve_with_reason", p.id, user=ALICE, message_ts=p.message_ts)
    view = opened(function, "approve_with_reason")
    assert proposal_store().get(p.id).state == "proposed"  # the click only asks

    short = submit(function, view, ALICE, {"reason": "ok"})
    assert json.loads(short["body"])["response_action"] == "errors"
    assert proposal_store().get(p.id).state == "proposed"

    submit(function, view, ALICE, {"reason": "the 19:00 traffic peak needs the memory"})
    assert proposal_store().get(p.id).state == "applied"
    [approved] = [e for e in audit_log().for_change(p.id) if e.action == "approved"]
    assert approved.actor == ALICE and "reason: the 19:00 traffic peak needs the memory" in approved.detail
    assert approved.channel == function.slack.channel_id(CHANNEL)


def test_the_reason_modal_does_not_let_a_non_approver_approve(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec(risk="high"))
    click(slack_handler, function, "approve_with_reason", p.id, user=BOB, message_ts=p.message_ts)
    submit(function, opened(function, "approve_with_reason"), BOB, {"reason": "I really want it"})
    assert proposal_store().get(p.id).state == "proposed"
    assert any(":lock:" in m.plain_text() for m in function.slack.ephemerals(CHANNEL, BOB))
