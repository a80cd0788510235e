"""The alarm function's heartbeat against the embedded AWS: the newest handled alarm wins, whichever batch ends last."""

from __future__ import annotations

from typing import Any

from bot.aws.dynamodb import Table
from bot.health.heartbeat import HandledAlarm, Heartbeat
from bot.settings import get_settings


def test_an_older_batch_finishing_late_does_not_overwrite_the_newer_record(stack: Any) -> None:
    heartbeat = Heartbeat(Table(get_settings().tables.state))
    assert heartbeat.last_alarm() is None
    newer = HandledAlarm("API-HighLatency-P95", "ALARM", "posted", 1_000.5)
    heartbeat.record(newer)
    heartbeat.record(HandledAlarm("DynamoDB-HighLatency", "OK", "noted", 999.0))  # a concurrent, older batch
    assert heartbeat.last_alarm() == newer
    later = HandledAlarm("DynamoDB-HighLatency", "OK", "duplicate", 1_001.0)
    heartbeat.record(later)
    assert heartbeat.last_alarm() == later


def test_a_failed_write_never_fails_the_alarm_batch(stack: Any) -> None:
    heartbeat = Heartbeat(Table("no-such-table"))
    heartbeat.record(HandledAlarm("API-HighLatency-P95", "ALARM", "posted", 1.0))  # logged, not raised


def test_a_container_writes_the_heartbeat_at_most_once_a_minute() -> None:
    from bot.health import heartbeat

    heartbeat.reset_pace()
    assert heartbeat.due(1000.0)
    assert not heartbeat.due(1000.0 + heartbeat.EVERY_S - 1)  # a storm's next batches: no write
    assert heartbeat.due(1000.0 + heartbeat.EVERY_S)
    heartbeat.reset_pace()
    assert heartbeat.due(0.0)
    heartbeat.reset_pace()
