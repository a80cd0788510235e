"""Undo is idempotent end to end: double clicks and Slack's retries through the Lambda handler make one undo."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import pytest

from bot.audit import audit_log
from bot.changes.models import undo_id
from bot.changes.store import proposal_store
from bot.settings import get_settings
from devstack import lambdas
from tests.support import monitored
from tests.support.aws_hooks import count_calls
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, CAROL, card_for, click, click_event, ephemerals_for

pytestmark = pytest.mark.functional


def undo_proposals(original_id: str) -> list[dict[str, Any]]:
    """Every stored proposal that undoes ``original_id``, read straight from the state table."""
    pages = (
        boto3.client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=get_settings().tables.state,
            FilterExpression="undo_of = :o",
            ExpressionAttributeValues={":o": {"S": original_id}},
        )
    )
    return [item for page in pages for item in page["Items"]]


def test_undo_clicked_twice_and_retried_by_slack_makes_one_undo_and_one_apply(
    function: Any, slack_handler: Any
) -> None:
    p = card_for(function, memory_rec(before=1024, after=1280))  # its undo is medium risk: the clicker approves it
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert monitored.memory_of() == 1280

    first = click_event(function, "undo_change", p.id, user=CAROL, message_ts=p.message_ts)
    second = click_event(function, "undo_change", p.id, user=CAROL, message_ts=p.message_ts)
    retry = first | {"headers": first["headers"] | {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}}
    responses: list[int] = []

    def send(event: dict[str, Any], after_s: float) -> None:
        time.sleep(after_s)
        responses.append(lambdas.invoke("slack", event)["statusCode"])

    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        senders = [threading.Thread(target=send, args=(e, t)) for e, t in ((first, 0), (second, 0.05), (retry, 0.1))]
        for t in senders:
            t.start()
        for t in senders:
            t.join()
        assert lambdas.wait_idle(60)

    assert responses == [200, 200, 200]
    assert len(updates) == 1  # one apply
    assert monitored.memory_of() == 1024
    [stored] = undo_proposals(p.id)  # one undo proposal…
    assert stored["id"]["S"] == undo_id(p.id)
    undo = proposal_store().get(undo_id(p.id))
    assert (undo.state, undo.requester, undo.approved_by) == ("applied", CAROL, CAROL)
    undo_cards = [m for m in function.slack.replies("#perf-alerts", p.message_ts) if "Undo:" in m.plain_text()]
    assert [m.ts for m in undo_cards] == [undo.message_ts]  # …and one card
    assert proposal_store().get(p.id).state == "rolled_back"
    assert [e.action for e in audit_log().for_change(p.id)].count("undo_requested") == 1
    assert [e.action for e in audit_log().for_change(undo.id)] == ["proposed", "approved", "applied"]
    told = ephemerals_for(function, CAROL)
    assert len(told) == 2 and all(t.startswith(("Already being undone", "Already undone")) for t in told), told
    assert audit_log().verify_chain().ok
