"""The card follows the change: approve → applying → applied with Undo → verification → undo; drift and failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from bot.audit import audit_log
from bot.changes.store import proposal_store
from bot.settings import reset_settings
from devstack import lambdas, slack_requests
from tests.support import monitored
from tests.support.aws_hooks import aws_error, count_calls
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, BOB, CAROL, approve, buttons, card_for, card_text, click, ephemerals_for

pytestmark = pytest.mark.functional


def put_durations(applied_at: datetime, before_ms: float, after_ms: float) -> None:
    """One minute of Lambda durations for 15 minutes either side of the change."""
    cloudwatch = boto3.client("cloudwatch")
    for minute in range(-15, 15):
        at = applied_at + timedelta(minutes=minute, seconds=30)
        level = before_ms if minute < 0 else after_ms
        cloudwatch.put_metric_data(
            Namespace="AWS/Lambda",
            MetricData=[
                {
                    "MetricName": "Duration",
                    "Dimensions": [{"Name": "FunctionName", "Value": monitored.FUNCTION}],
                    "Timestamp": at,
                    "Values": [level * 0.8, level * 0.9, level, level * 1.02],
                    "Counts": [10, 20, 60, 5],
                    "Unit": "Milliseconds",
                }
            ],
        )


def run_task(name: str, **event: Any) -> dict[str, Any]:

    return dict(lambdas.invoke("schedule", {"task": name, **event}))


def test_card_follows_the_change_and_undo_restores(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    assert buttons(function, p) == ["approve_proposal", "reject_proposal"]
    card = next(m for m in function.slack.messages("#perf-alerts") if m.ts == p.message_ts)
    assert [e["value"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]] == [p.id, p.id]
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    text = card_text(function, p)
    assert "Applied" in text and "1024 MB → 1536 MB" in text and "read back from AWS" in text
    assert buttons(function, p) == ["undo_change"]
    assert function.slack.calls["chat.update"] >= 2  # "applying… by" first, then the result

    applied = proposal_store().get(p.id)
    put_durations(datetime.fromisoformat(applied.applied_at), before_ms=800, after_ms=600)
    due = (datetime.fromisoformat(applied.verify_due_at) + timedelta(minutes=1)).isoformat()
    assert run_task("verify", time=due)["verified"] == [p.id]
    assert run_task("verify", time=due)["verified"] == []  # verified once
    [reply] = [m for m in function.slack.replies("#perf-alerts", p.message_ts) if m.ts != p.message_ts]
    assert "Verification" in reply.plain_text() and "better" in reply.plain_text()
    assert "revert_change" not in str(reply.blocks)

    # the undo cuts memory by a third: high risk by the kind's own rule, so Carol asks and Alice approves
    click(slack_handler, function, "undo_change", p.id, user=CAROL, message_ts=p.message_ts)
    assert monitored.memory_of() == 1536
    assert "another approver has to approve it in the thread" in ephemerals_for(function, CAROL)[-1]
    [undo] = [q for q in proposal_store().pending() if q.undo_of == p.id]
    thread = function.slack.replies("#perf-alerts", p.message_ts)
    assert any(m.ts == undo.message_ts and "Undo" in m.plain_text() for m in thread)
    approve(slack_handler, function, undo, user=ALICE)  # high risk: the reason modal
    assert monitored.memory_of() == 1024
    original = proposal_store().get(p.id)
    assert original.state == "rolled_back" and original.undone_by == undo.id and "undone" in card_text(function, p)
    undo = proposal_store().get(undo.id)
    assert (undo.state, undo.before, undo.after, undo.risk) == (
        "applied",
        {"memory_mb": 1536},
        {"memory_mb": 1024},
        "high",
    )
    actions = [e.action for e in audit_log().for_change(p.id)]
    assert actions == ["proposed", "approved", "applied", "verified", "undo_requested", "rolled_back"]
    assert audit_log().verify_chain().ok


def test_perf_audit_lists_a_change(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    channel = function.slack.channel_id("#perf-alerts")
    url = function.slack.response_url(channel, ALICE)
    body = slack_requests.slash_command_body(f"audit {p.id}", user_id=ALICE, channel_id=channel, response_url=url)
    lambdas.invoke("slack", slack_requests.signed_event(body, function.signing_secret))
    lambdas.wait_idle()
    listing = function.slack.messages("#perf-alerts")[-1].plain_text()
    assert p.id in listing and "proposed" in listing and "applied" in listing and "1024 MB → 1536 MB" in listing


def test_drift_applies_nothing_and_the_card_says_why(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    boto3.client("lambda").update_function_configuration(FunctionName=monitored.FUNCTION, MemorySize=2048)
    with count_calls("lambda", "UpdateFunctionConfiguration") as updates:
        click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert updates == [] and monitored.memory_of() == 2048
    text = card_text(function, p)
    assert "live value changed" in text and "2048 MB" in text and "Nothing was changed" in text
    assert buttons(function, p) == []


def test_aws_error_fails_the_change_and_the_card_says_what_happened(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    with aws_error("lambda", "UpdateFunctionConfiguration", "ServiceException", "Lambda is unavailable"):
        click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert monitored.memory_of() == 1024
    assert proposal_store().get(p.id).state == "failed"
    text = card_text(function, p)
    assert "Applying failed" in text and "Lambda is unavailable" in text and "now: 1024 MB" in text
    assert [e.action for e in audit_log().for_change(p.id)] == ["proposed", "approved", "failed"]


def test_reject(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec())
    click(slack_handler, function, "reject_proposal", p.id, user=BOB, message_ts=p.message_ts)
    assert proposal_store().get(p.id).state == "proposed"
    assert "approvers" in ephemerals_for(function, BOB)[-1]
    click(slack_handler, function, "reject_proposal", p.id, user=CAROL, message_ts=p.message_ts)
    assert "Rejected by" in card_text(function, p) and buttons(function, p) == []
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    assert monitored.memory_of() == 1024 and "Already rejected" in ephemerals_for(function, ALICE)[-1]


def test_regression_offers_a_one_click_revert(function: Any, slack_handler: Any) -> None:
    p = card_for(function, memory_rec(before=1024, after=1280))  # its revert, back to 1024 MB, is medium risk
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    applied = proposal_store().get(p.id)
    put_durations(datetime.fromisoformat(applied.applied_at), before_ms=800, after_ms=1200)
    run_task("verify", time=(datetime.fromisoformat(applied.verify_due_at) + timedelta(minutes=1)).isoformat())
    [reply] = [m for m in function.slack.replies("#perf-alerts", p.message_ts) if m.ts != p.message_ts]
    assert "regression" in reply.plain_text()
    [revert] = [e for b in reply.blocks if b["type"] == "actions" for e in b["elements"]]
    assert (revert["action_id"], revert["value"]) == ("revert_change", p.id)
    click(slack_handler, function, "revert_change", p.id, user=CAROL, message_ts=reply.ts)
    assert monitored.memory_of() == 1024
    assert proposal_store().get(p.id).state == "rolled_back"


def test_auto_revert_when_configured(
    function: Any, slack_handler: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import yaml

    from bot.settings import DEFAULT_CONFIG

    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["changes"]["auto_revert_on_regression"] = True
    (tmp_path / "perfbot.yml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("PERFBOT_CONFIG", str(tmp_path / "perfbot.yml"))
    reset_settings()
    p = card_for(function, memory_rec(before=1024, after=1280))  # its revert is medium risk: perfbot may apply it
    click(slack_handler, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)
    applied = proposal_store().get(p.id)
    put_durations(datetime.fromisoformat(applied.applied_at), before_ms=800, after_ms=1200)
    run_task("verify", time=(datetime.fromisoformat(applied.verify_due_at) + timedelta(minutes=1)).isoformat())
    assert monitored.memory_of() == 1024
    original = proposal_store().get(p.id)
    assert original.state == "rolled_back"
    undo_events = audit_log().for_change(original.undone_by)
    assert [e.actor for e in undo_events if e.action == "applied"] == ["perfbot:auto-revert"]
    reset_settings()


def test_published_recommendations_become_proposals_with_cards(function: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.analysis.models import AnalysisResult
    from bot.slack.delivery.analysis import publish_recommendations

    result = AnalysisResult(
        service="monitoring-api", recommendations=[memory_rec(), memory_rec(after=1280, risk="low")]
    )
    posted = publish_recommendations(result, channel="#perf-alerts", requester_id=ALICE).cards
    assert len(posted) == 2
    pending = {p.message_ts: p for p in proposal_store().pending()}
    assert set(pending) == set(posted)
    for p in pending.values():
        assert p.requester == ALICE and p.channel == function.slack.channel_id("#perf-alerts")
        assert buttons(function, p) == ["approve_proposal", "reject_proposal"]
        assert [e.action for e in audit_log().for_change(p.id)] == ["proposed"]
    assert monitored.memory_of() == 1024  # nothing applies without a click by default


def test_low_risk_auto_apply_when_configured(function: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import yaml

    from bot.analysis.models import AnalysisResult
    from bot.settings import DEFAULT_CONFIG
    from bot.slack.delivery.analysis import publish_recommendations

    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["changes"]["auto_apply_low_risk"] = True
    (tmp_path / "perfbot.yml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("PERFBOT_CONFIG", str(tmp_path / "perfbot.yml"))
    reset_settings()
    result = AnalysisResult(service="monitoring-api", recommendations=[memory_rec(risk="low")])
    [ts] = publish_recommendations(result, channel="#perf-alerts", requester_id="perfbot").cards
    [message] = [m for m in function.slack.messages("#perf-alerts") if m.ts == ts]
    assert "Applied" in message.plain_text() and monitored.memory_of() == 1536
    [applied] = [e for e in audit_log().latest(10) if e.action == "applied"]
    assert applied.actor == "perfbot:auto-apply"
    reset_settings()
