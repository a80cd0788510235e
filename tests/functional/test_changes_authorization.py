"""The authorization matrix through signed clicks: every refusal changes nothing, is explained, and is audited."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.audit import audit_log
from bot.changes.store import proposal_store
from bot.settings import DEFAULT_CONFIG, reset_settings
from devstack import lambdas
from tests.support import monitored
from tests.support.aws_hooks import count_calls
from tests.support.change_factories import memory_rec, proposal
from tests.support.slack_clicks import ALICE, BOB, CAROL, approve, card_for, card_text, click, ephemerals_for, post_card

pytestmark = pytest.mark.functional


def test_authorization_matrix_applies_nothing(function: Any, slack_handler: Any) -> None:
    medium = card_for(function, memory_rec())
    high_by_alice = card_for(function, memory_rec(after=2048, risk="high"), requester=ALICE)
    expired = post_card(
        function,
        proposal_store().create(
            proposal(approve_by=int(time.time()) - 60, channel=function.slack.channel_id("#perf-alerts"))
        ),
    )
    function.slack.channel_id("#random")
    cases = [
        ("non-approver", BOB, medium, "#perf-alerts", "not_approver", "Only perfbot's configured approvers"),
        ("wrong channel", ALICE, medium, "#random", "wrong_channel", "can only be approved in"),
        ("own high-risk change", ALICE, high_by_alice, "#perf-alerts", "own_high_risk", "another approver"),
        ("high-risk, no reason", CAROL, high_by_alice, "#perf-alerts", "reason_required", "asks for a reason"),
        ("expired", ALICE, expired, "#perf-alerts", "expired", "expired"),
        ("unknown id", ALICE, None, "#perf-alerts", "unknown", "does not exist"),
    ]
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        for name, user, p, channel, reason, explanation in cases:
            before = len(ephemerals_for(function, user))
            value = p.id if p else "chg-0000000000"
            response = click(
                slack_handler,
                function,
                "approve_proposal",
                value,
                user=user,
                channel=channel,
                message_ts=p.message_ts if p else "",
            )
            assert response["statusCode"] == 200, name
            told = ephemerals_for(function, user)[before:]
            assert len(told) == 1 and explanation in told[0], (name, told)
            refusal = audit_log().latest(1)[0]
            assert (refusal.action, refusal.actor, refusal.change_id) == ("refused", user, value), name
            assert refusal.detail.startswith(reason), name
            assert refusal.slack_request_ids.get("trigger_id"), name
    assert updates == []
    assert monitored.memory_of() == 1024
    for p in (medium, high_by_alice):
        assert proposal_store().get(p.id).state == "proposed"
        assert "Approve" in card_text(function, p)
    assert audit_log().verify_chain().ok


def test_another_approver_may_approve_a_high_risk_change(function: Any, slack_handler: Any) -> None:
    high = card_for(function, memory_rec(risk="high"), requester=ALICE)
    approve(slack_handler, function, high, user=CAROL)
    assert proposal_store().get(high.id).state == "applied"
    assert monitored.memory_of() == 1536


def test_expired_proposals_cannot_be_approved_after_the_expire_task(function: Any, slack_handler: Any) -> None:

    stale = post_card(
        function,
        proposal_store().create(
            proposal(approve_by=int(time.time()) - 1, channel=function.slack.channel_id("#perf-alerts"))
        ),
    )
    result = lambdas.invoke("schedule", {"task": "expire"})
    assert result["expired"] == [stale.id]
    assert "Expired" in card_text(function, stale)
    assert [e.action for e in audit_log().for_change(stale.id)] == ["expired"]
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        click(slack_handler, function, "approve_proposal", stale.id, user=ALICE, message_ts=stale.message_ts)
    assert updates == []


def test_approver_group_members_are_resolved_through_slack(
    function: Any, slack_handler: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["approvers"] = {"users": [], "usergroups": ["S0PERFAPPR"], "channels": []}
    (tmp_path / "perfbot.yml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("PERFBOT_CONFIG", str(tmp_path / "perfbot.yml"))
    monkeypatch.delenv("PERFBOT_APPROVERS", raising=False)
    reset_settings()
    function.slack.add_usergroup("S0PERFAPPR", "perf-approvers", [CAROL])
    p = card_for(function, memory_rec())
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert proposal_store().get(p.id).state == "proposed"
    click(slack_handler, function, "approve_proposal", p.id, user=CAROL, message_ts=p.message_ts)
    assert proposal_store().get(p.id).state == "applied"
    assert function.slack.calls["usergroups.users.list"] >= 1
    reset_settings()


def test_an_apply_interrupted_by_a_crash_is_reported_failed(function: Any, slack_handler: Any) -> None:

    store = proposal_store()
    p = post_card(function, store.create(proposal(channel=function.slack.channel_id("#perf-alerts"))))
    store.transition(p.id, "proposed", "approved", {"approved_by": ALICE, "approved_at": "2026-01-01T00:00:00+00:00"})
    store.transition(p.id, "approved", "applying")  # ...and then the Lambda died
    result = lambdas.invoke("schedule", {"task": "expire"})
    assert result["interrupted"] == [p.id]
    failed = store.get(p.id)
    assert (failed.state, failed.error, failed.live) == ("failed", "interrupted while applying", {"memory_mb": 1024})
    assert "Applying failed" in card_text(function, p) and "1024 MB" in card_text(function, p)
    assert [e.action for e in audit_log().for_change(p.id)] == ["failed"]


def test_a_card_in_a_routed_alarm_channel_is_decided_there(
    function: Any, slack_handler: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["slack"]["routes"] = [{"service": "monitoring-api", "channel": "#perf-payments"}]
    (tmp_path / "perfbot.yml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("PERFBOT_CONFIG", str(tmp_path / "perfbot.yml"))
    reset_settings()
    function.slack.add_channel("perf-payments")
    routed = card_for(function, memory_rec(), channel="#perf-payments")  # e.g. the Analyze button in an alarm's thread
    assert routed.channel == function.slack.channel_id("#perf-payments")
    elsewhere = click(
        slack_handler, function, "approve_proposal", routed.id, user=ALICE, channel="#perf-alerts", message_ts=""
    )
    assert elsewhere["statusCode"] == 200 and proposal_store().get(routed.id).state == "proposed"
    assert "channel it was posted in" in ephemerals_for(function, ALICE)[-1]
    click(
        slack_handler,
        function,
        "approve_proposal",
        routed.id,
        user=ALICE,
        channel="#perf-payments",
        message_ts=routed.message_ts,
    )
    assert proposal_store().get(routed.id).state == "applied" and monitored.memory_of() == 1536
    assert "Applied" in card_text(function, routed, channel="#perf-payments")
    reset_settings()
