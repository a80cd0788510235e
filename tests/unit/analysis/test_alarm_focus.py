"""The alarms that ask for scaling ahead of the load focus their Analyze on scheduled provisioned concurrency."""

from __future__ import annotations

from bot.analysis.alarm_context import focus_of
from bot.changes.kinds import kind_names


def test_the_predictive_alarm_asks_for_scheduled_provisioned_concurrency() -> None:
    assert focus_of("Predictive-Scaling-Trigger") == "scheduled_provisioned_concurrency"
    assert focus_of("Predictive-Scaling-Trigger") in kind_names()
    assert focus_of("API-HighLatency-P95") is None
    assert focus_of("") is None
