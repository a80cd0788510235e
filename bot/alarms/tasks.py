"""Scheduled alarm tasks: ``escalate`` (every minute: unacknowledged ALARMs, expired maintenance windows)."""

from __future__ import annotations

from typing import Any

from bot.schedule import TaskResult, task


@task("escalate")
def escalate(event: dict[str, Any]) -> TaskResult:
    from bot.alarms.escalation import escalate_due
    from bot.alarms.service import build_pipeline

    return escalate_due(build_pipeline())
