"""Pacing, maintenance durations and the incident's flapping memory (pure logic, injected clocks)."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bot.alarms.incidents import Incident, from_item, to_item
from bot.alarms.maintenance import DurationError, Maintenance, parse_duration
from bot.alarms.storm import ChannelPacer, Tally


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_pacer_spaces_posts_per_channel_not_across_channels() -> None:
    t = FakeTime()
    pacer = ChannelPacer(1.0, t.clock, t.sleep)
    stamps = []
    for channel in ["#a", "#a", "#b", "#a"]:
        pacer.wait(channel)
        stamps.append((channel, t.now))
    a_times = [s for c, s in stamps if c == "#a"]
    assert all(b - a >= 1.0 for a, b in pairwise(a_times))
    assert t.sleeps == [1.0, 1.0]  # "#b" did not wait


def test_pacer_does_not_wait_after_a_quiet_spell() -> None:
    t = FakeTime()
    pacer = ChannelPacer(1.0, t.clock, t.sleep)
    pacer.wait("#a")
    t.now += 5
    pacer.wait("#a")
    assert t.sleeps == []


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("2h", 7200), ("1d", 86400), ("90", 5400), ("120s", 120)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["forever", "0m", "8d", "-1h", "10s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_maintenance_is_active_by_command_or_by_alarm() -> None:
    assert Maintenance(manual_until=2000, started_at=1000).active(1500)
    assert not Maintenance(manual_until=2000, started_at=1000).active(2500)
    assert Maintenance(manual_until=2000, started_at=1000).expired(2500)
    assert Maintenance(alarm_on=True, started_at=1000).active(10**10)


def test_flapping_counts_changes_within_the_window_only() -> None:
    incident = Incident(alarm_name="a")
    for at, state in [(0, "ALARM"), (60, "ALARM"), (120, "OK"), (180, "ALARM"), (240, "OK")]:
        incident.record_state(state, at, window_s=1800)
    assert incident.changes_in_window() == 4  # the repeated ALARM is not a change
    incident.record_state("ALARM", 4000, window_s=1800)
    assert incident.changes_in_window() == 1


def test_escalation_needs_an_unacknowledged_posted_alarm() -> None:
    incident = Incident(alarm_name="a", ts="1.0", opened_at=0)
    assert incident.needs_escalation(301, after_s=300) and not incident.needs_escalation(299, after_s=300)
    for change in (
        {"acked_by": "U1"},
        {"escalated_at": 5.0},
        {"silenced_until_ok": True},
        {"grouped": True},
        {"state": "OK"},
    ):
        assert not incident.model_copy(update=change).needs_escalation(1000, after_s=300)


def test_incident_item_round_trip_and_open_index() -> None:
    incident = Incident(alarm_name="API", ts="1.2", opened_at=100.0, history=[(100.0, "ALARM")])
    item = to_item(incident, expires_at=999.5)
    assert item["pk"] == "incident#API" and item["expires_at"] == 999 and item["gsi1pk"] == "incident#open"
    assert from_item(item) == incident
    # every firing incident is listed (the Home tab shows acknowledged ones too); escalation filters in code
    assert to_item(incident.model_copy(update={"acked_by": "U1"}), 1)["gsi1pk"] == "incident#open"
    assert "gsi1pk" not in to_item(incident.model_copy(update={"state": "OK"}), 1)


def test_tally_accounts_for_every_outcome() -> None:
    tally = Tally({"posted": 2, "counted": 5, "duplicate": 1, "rejected": 1})
    assert tally.summary(9) | {} == {
        "received": 9,
        "accounted": 8,
        "rejected": 1,
        "posted": 2,
        "counted": 5,
        "duplicate": 1,
    }


def test_optional_posts_are_skipped_when_the_channel_is_backlogged() -> None:
    t = FakeTime()
    pacer = ChannelPacer(1.0, t.clock, t.sleeps.append, max_backlog_s=3.0)  # waits are recorded, time stands still
    booked = [pacer.wait("#a") for _ in range(5)]  # mandatory posts always get a slot: now … now+4
    assert booked == [True] * 5
    assert pacer.wait("#a", optional=True) is False  # next free slot is 5 s ahead, beyond the 3 s backlog
    assert pacer.wait("#b", optional=True) is True  # another channel is free
    t.now += 3
    assert pacer.wait("#a", optional=True) is True  # 2 s ahead now: within the backlog
