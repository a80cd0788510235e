"""Faults around an apply leave a true record: what AWS did is what the store, the audit log and the card say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.audit import audit_log
from bot.changes.store import proposal_store
from bot.settings import get_settings
from devstack import faults, lambdas
from tests.support import monitored
from tests.support.change_factories import memory_rec
from tests.support.faults import instant_retries  # noqa: F401 - fixture
from tests.support.slack_clicks import ALICE, buttons, card_for, card_text, click

pytestmark = pytest.mark.functional


def run_task(name: str, **event: Any) -> dict[str, Any]:
    return dict(lambdas.invoke("schedule", {"task": name, **event}))


@pytest.mark.usefixtures("instant_retries")
def test_read_back_failing_after_an_accepted_apply_is_applied_not_failed(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    with (
        faults.inject("lambda", "UpdateFunctionConfiguration", "latency", times=None) as updated,
        faults.inject(
            "lambda", "GetFunctionConfiguration", "error", times=None, when=lambda _: updated.hits > 0
        ) as reads,
    ):
        click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert reads.hits >= 1 and updated.hits == 1
    assert monitored.memory_of() == 1536
    stored = proposal_store().get(p.id)
    assert stored.state == "applied" and stored.read_back == {} and "verification pending" in stored.read_back_error
    assert buttons(function, p) == ["undo_change"]
    assert "reading it back failed" in card_text(function, p)
    assert [e.action for e in audit_log().for_change(p.id)] == ["proposed", "approved", "applied"]


@pytest.mark.usefixtures("instant_retries")
def test_refused_applied_write_is_reconciled_by_expire(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    where = {"TableName": get_settings().tables.state, "Item.state.S": "applied"}
    with faults.inject("dynamodb", "PutItem", "error", times=None, where=where) as refused:
        click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert refused.hits >= 5  # botocore retried the write, and every attempt was refused
    assert monitored.memory_of() == 1536 and proposal_store().get(p.id).state == "applying"
    assert "Applied" in card_text(function, p) and "Applying" not in card_text(function, p)  # the card is true
    assert run_task("expire")["reconciled"] == [p.id]
    stored = proposal_store().get(p.id)
    assert stored.state == "applied" and stored.read_back == {"memory_mb": 1536}
    assert [e.action for e in audit_log().for_change(p.id)] == ["proposed", "approved", "applied"]
    assert buttons(function, p) == ["undo_change"]
    assert run_task("expire")["reconciled"] == []  # once


@pytest.mark.usefixtures("instant_retries")
def test_refused_approval_audit_leaves_the_proposal_approvable(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    where = {"TableName": get_settings().tables.audit, "Item.action.S": "approved"}
    with faults.inject("dynamodb", "PutItem", "error", times=None, where=where) as refused:
        click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert refused.hits >= 1
    assert proposal_store().get(p.id).state == "proposed" and monitored.memory_of() == 1024
    assert buttons(function, p) == ["approve_proposal", "reject_proposal"]
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)  # a retry works
    assert proposal_store().get(p.id).state == "applied" and monitored.memory_of() == 1536


def test_expire_releases_a_proposal_stuck_in_approved(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    long_ago = (datetime.now(UTC) - timedelta(minutes=5)).isoformat(timespec="seconds")
    proposal_store().transition(p.id, "proposed", "approved", {"approved_by": ALICE, "approved_at": long_ago})
    assert run_task("expire")["released"] == [p.id]
    assert proposal_store().get(p.id).state == "proposed" and monitored.memory_of() == 1024
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert proposal_store().get(p.id).state == "applied" and monitored.memory_of() == 1536


def applied_card(request: faults.Request) -> bool:
    return "(applied)" in str(request.params.get("text"))


@pytest.mark.usefixtures("instant_retries")
def test_card_update_answering_500_is_retried(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    with faults.inject("slack", "chat.update", "error", times=2, when=applied_card) as failed:
        click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert failed.hits == 2
    assert buttons(function, p) == ["undo_change"] and "Applied" in card_text(function, p)


@pytest.mark.usefixtures("instant_retries")
def test_a_card_that_could_not_be_updated_is_redrawn_by_the_next_click(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    with faults.inject("slack", "chat.update", "error", times=None):
        click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert proposal_store().get(p.id).state == "applied"
    assert buttons(function, p) == ["approve_proposal", "reject_proposal"]  # Slack never took the update
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert buttons(function, p) == ["undo_change"] and monitored.memory_of() == 1536


@pytest.mark.usefixtures("instant_retries")
def test_applied_write_whose_answer_is_lost_is_recorded_and_audited_once(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    where = {"TableName": get_settings().tables.state, "Item.state.S": "applied"}
    with faults.inject("dynamodb", "PutItem", "reset_after_success", where=where) as lost:
        click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert lost.hits == 1
    assert proposal_store().get(p.id).state == "applied" and buttons(function, p) == ["undo_change"]
    assert [e.action for e in audit_log().for_change(p.id)] == ["proposed", "approved", "applied"]
