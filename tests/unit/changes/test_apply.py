"""The orchestrator: approve → drift check → applying → apply → read back → applied | failed, all audited."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from bot.audit import audit_log
from bot.changes.apply import ChangeOrchestrator, orchestrator
from bot.changes.authorize import Click
from bot.changes.decisions import reject, request_undo
from bot.changes.models import Proposal
from bot.changes.proposals import propose
from tests.unit.changes import monitored
from tests.unit.changes.aws_hooks import aws_error, count_calls
from tests.unit.changes.factories import FakeDirectory, memory_rec

ALICE, BOB, CAROL = "U0APPROVER1", "U0BOB", "U0APPROVER2"
CHANNEL = Click(user=ALICE, channel_id="C0PERFALRT", channel_name="perf-alerts", slack_ids={"trigger_id": "t1"})


no_groups = FakeDirectory()


def as_user(user: str) -> Click:
    return Click(user=user, channel_id=CHANNEL.channel_id, channel_name=CHANNEL.channel_name)


@pytest.fixture
def orch(stack: Any) -> ChangeOrchestrator:
    monitored.create_function(memory_mb=1024)
    return orchestrator()


def actions(change_id: str) -> list[str]:
    return [e.action for e in audit_log().for_change(change_id)]


def test_approval_applies_reads_back_and_audits(orch: ChangeOrchestrator) -> None:
    seen: list[str] = []
    orch._progress = lambda p: seen.append(p.state)
    p = propose(memory_rec(), "perfbot", "C0PERFALRT")
    outcome = orch.approve(p.id, CHANNEL, no_groups)
    assert outcome.status == "applied"
    assert monitored.memory_of() == 1536
    applied = orch.store.get(p.id)
    assert (applied.state, applied.approved_by, applied.read_back) == ("applied", ALICE, {"memory_mb": 1536})
    assert applied.aws_request_ids and applied.verify_due_at
    assert seen == ["applying", "applied"]
    assert actions(p.id) == ["proposed", "approved", "applied"]
    applied_event = audit_log().for_change(p.id)[-1]
    assert applied_event.aws_request_ids == applied.aws_request_ids
    assert applied_event.slack_request_ids == {"trigger_id": "t1"}
    assert (applied_event.before, applied_event.after) == ({"memory_mb": 1024}, {"memory_mb": 1536})


def test_second_approval_reports_who_applied(orch: ChangeOrchestrator) -> None:
    p = propose(memory_rec(), "perfbot", "C0PERFALRT")
    orch.approve(p.id, CHANNEL, no_groups)
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        again = orch.approve(p.id, as_user(CAROL), no_groups)
    assert again.status == "already" and again.proposal is not None
    assert again.proposal.approved_by == ALICE and again.proposal.applied_at
    assert updates == []


def test_drift_applies_nothing(orch: ChangeOrchestrator) -> None:
    p = propose(memory_rec(before=1024, after=1536), "perfbot", "C0PERFALRT")
    boto3.client("lambda").update_function_configuration(FunctionName="monitoring-api-dev", MemorySize=2048)
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        outcome = orch.approve(p.id, CHANNEL, no_groups)
    assert outcome.status == "drift" and updates == []
    assert monitored.memory_of() == 2048
    failed = orch.store.get(p.id)
    assert (failed.state, failed.error, failed.live) == ("failed", "drift", {"memory_mb": 2048})
    assert actions(p.id) == ["proposed", "approved", "drift"]


def test_aws_error_leaves_the_resource_unchanged_and_the_audit_complete(orch: ChangeOrchestrator) -> None:
    p = propose(memory_rec(), "perfbot", "C0PERFALRT")
    with aws_error("lambda", "UpdateFunctionConfiguration", "ResourceConflictException", "An update is in progress"):
        outcome = orch.approve(p.id, CHANNEL, no_groups)
    assert outcome.status == "failed"
    failed = orch.store.get(p.id)
    assert failed.state == "failed"
    assert "ResourceConflictException" in failed.error and "update is in progress" in failed.error
    assert failed.live == {"memory_mb": 1024} and monitored.memory_of() == 1024
    assert "req-injected-0001" in failed.aws_request_ids
    assert actions(p.id) == ["proposed", "approved", "failed"]
    assert "ResourceConflictException" in audit_log().for_change(p.id)[-1].detail


def test_invalid_value_fails_before_touching_aws(orch: ChangeOrchestrator) -> None:
    p = propose(memory_rec(after=20_000), "perfbot", "C0PERFALRT")
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        outcome = orch.approve(p.id, CHANNEL, no_groups)
    assert outcome.status == "failed" and updates == []
    assert "between 128 and 10240" in orch.store.get(p.id).error


def test_reject_is_conditional_and_audited(orch: ChangeOrchestrator) -> None:
    p = propose(memory_rec(), "perfbot", "C0PERFALRT")
    assert reject(orch, p.id, as_user("U0STRANGER"), no_groups).status == "refused"
    assert reject(orch, p.id, CHANNEL, no_groups).status == "rejected"
    assert reject(orch, p.id, as_user(CAROL), no_groups).status == "already"
    assert orch.approve(p.id, as_user(CAROL), no_groups).status == "already"
    assert monitored.memory_of() == 1024
    assert actions(p.id) == ["proposed", "refused", "rejected"]


def test_undo_is_a_new_audited_proposal_that_restores_the_value(orch: ChangeOrchestrator) -> None:
    p = propose(memory_rec(), "perfbot", "C0PERFALRT")
    orch.approve(p.id, CHANNEL, no_groups)
    _, undo = request_undo(orch, p.id, as_user(CAROL), no_groups)
    assert undo is not None
    assert (undo.before, undo.after, undo.undo_of, undo.requester) == (
        {"memory_mb": 1536},
        {"memory_mb": 1024},
        p.id,
        CAROL,
    )
    assert orch.approve(undo.id, as_user(CAROL), no_groups).status == "applied"
    assert monitored.memory_of() == 1024
    original: Proposal = orch.store.get(p.id)
    assert (original.state, original.undone_by) == ("rolled_back", undo.id)
    assert actions(p.id) == ["proposed", "approved", "applied", "undo_requested", "rolled_back"]
    assert actions(undo.id) == ["proposed", "approved", "applied"]
    second, none = request_undo(orch, p.id, as_user(CAROL), no_groups)
    assert none is None and second.status == "already"


def test_auto_apply_only_when_configured_and_only_low_risk(orch: ChangeOrchestrator) -> None:
    from bot.changes.autoapply import auto_apply

    low = propose(memory_rec(risk="low"), "perfbot", "C0PERFALRT")
    assert auto_apply(orch, low) is None  # off by default
    orch.settings = orch.settings.model_copy(
        update={"changes": orch.settings.changes.model_copy(update={"auto_apply_low_risk": True})}
    )
    medium = propose(memory_rec(risk="medium"), "perfbot", "C0PERFALRT")
    assert auto_apply(orch, medium) is None
    outcome = auto_apply(orch, low)
    assert outcome is not None and outcome.status == "applied"
    assert monitored.memory_of() == 1536
    assert audit_log().for_change(low.id)[1].actor == "perfbot:auto-apply"
