"""The hourly analysis holds back what was just rejected or undone, per kind and resource, and says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.analysis.cooldown import COOL_DOWN_H, hold_back
from bot.analysis.models import AnalysisResult
from bot.analysis.rules import run_rules
from bot.audit import AuditEvent, InMemoryAuditLog
from tests.support.analysis_factories import FUNCTION, SERVICE, context, healthy_inputs, healthy_lambda, healthy_table

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def result() -> AnalysisResult:
    """A memory and a capacity recommendation."""
    fn = healthy_lambda(memory_mb=256, memory_utilization_max_pct=93, memory_used_max_mb=238)
    recs = run_rules(healthy_inputs(fn=fn, table=healthy_table(consumed_read_peak=45)), context())
    assert {r.kind for r in recs} == {"lambda_memory", "dynamodb_capacity"}
    return AnalysisResult(service=SERVICE, recommendations=recs)


def log_with(action: str, kind: str, resource: str, hours_ago: float) -> InMemoryAuditLog:
    log = InMemoryAuditLog()
    at = (NOW - timedelta(hours=hours_ago)).isoformat(timespec="milliseconds")
    log.append(AuditEvent(action="proposed", actor="perfbot", kind=kind, resource=resource))
    log.append(AuditEvent(action=action, actor="U0APPROVER1", kind=kind, resource=resource, at=at))
    return log


def test_a_rejected_change_is_held_back_for_its_kind_and_resource_only_and_the_note_says_until_when() -> None:
    held = hold_back(result(), log_with("rejected", "lambda_memory", FUNCTION, hours_ago=2), NOW)
    assert [r.kind for r in held.recommendations] == ["dynamodb_capacity"]
    [note] = held.notes
    assert "lambda_memory on monitoring-api-dev held back: rejected by U0APPROVER1" in note
    assert (NOW + timedelta(hours=COOL_DOWN_H - 2)).strftime("%Y-%m-%d %H:%M") in note


def test_an_undone_change_cools_down_too_and_the_cool_down_ends() -> None:
    undone = hold_back(result(), log_with("rolled_back", "lambda_memory", FUNCTION, hours_ago=10), NOW)
    assert "undone by" in undone.notes[0] and len(undone.recommendations) == 1
    expired = hold_back(result(), log_with("rejected", "lambda_memory", FUNCTION, hours_ago=COOL_DOWN_H + 1), NOW)
    assert len(expired.recommendations) == 2 and expired.notes == []
    other = hold_back(result(), log_with("rejected", "lambda_memory", "payments-fn", hours_ago=1), NOW)
    assert len(other.recommendations) == 2
