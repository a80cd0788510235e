"""handlers.alarms.handler with real-format SNS / EventBridge events against the devstack, read back from Slack."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import load_event
from tests.support.alarm_helpers import CHANNEL, Clock, alarm, dumps, event, invoke, top_level

pytestmark = pytest.mark.functional


@pytest.mark.parametrize(
    ("name", "title", "graph"),
    [
        ("alarms_sns_metric_alarm.json", "ALARM · API-HighLatency-P95", True),
        ("alarms_sns_metric_math.json", "ALARM · DynamoDB-HighLatency", True),
        ("alarms_sns_anomaly.json", "ALARM · Lambda-Duration-Anomaly", True),
        ("alarms_sns_composite.json", "ALARM · Smart-Performance-Alert", False),
        ("alarms_sns_metric_insufficient_data.json", "NO DATA · API-HighLatency-P95", True),
        ("alarms_eventbridge_metric.json", "ALARM · API-HighLatency-P95", True),
        ("alarms_eventbridge_composite.json", "ALARM · Smart-Performance-Alert", False),
        ("alarms_eventbridge_metric_insufficient_data.json", "NO DATA · API-HighLatency-P95", True),
    ],
)
def test_each_kind_posts_one_message_with_its_graph(
    stack: Any, clock: Clock, name: str, title: str, graph: bool
) -> None:
    summary = invoke(load_event(name))

    assert summary["posted"] == 1 and summary["accounted"] == summary["received"] == 1
    [message] = top_level(stack)
    assert title in message.blocks[0]["text"]["text"]
    files = [f for f in stack.slack.files() if f.thread_ts == message.ts]
    assert bool(files) is graph
    if graph:
        assert files[0].filetype == "png" and files[0].size > 1000


def test_the_message_says_what_broke_in_words_with_numbers_and_links(stack: Any, clock: Clock) -> None:
    invoke(load_event("alarms_sns_metric_alarm.json"))

    [message] = top_level(stack)
    text = message.plain_text()
    assert "p95 latency of monitoring-api was 812 ms, above the 500 ms threshold, in 1 of 1 five-minute periods" in text
    assert "*Threshold*: > 500 ms" in text and "*Observed*: 812 ms" in text and "ApiName=monitoring-api" in text
    blob = json.dumps(message.blocks)
    assert (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/API-HighLatency-P95"
        in blob
    )
    assert "docs/runbooks/high-latency.md" in blob  # the service's runbook_url from perfbot.yml
    values = {e["value"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]}
    assert values == {"API-HighLatency-P95"}  # buttons carry only the incident key


def test_a_re_fire_after_ok_goes_to_the_thread_and_bumps_the_counter(stack: Any, clock: Clock) -> None:
    """CloudWatch notifies on transitions only: a repeat is ALARM → OK → ALARM within the incident window."""
    invoke(event(alarm(), "ALARM", clock.at()))
    invoke(event(alarm(), "OK", clock.advance(minutes=3), previous="ALARM", observed=120.0))
    summary = invoke(event(alarm(), "ALARM", clock.advance(minutes=2), previous="OK", observed=901.0))

    assert summary["threaded"] == 1
    [message] = top_level(stack)
    assert "Fired 2×" in message.plain_text() and "Resolved after" not in message.plain_text()
    assert "ALARM · API-HighLatency-P95" in message.blocks[0]["text"]["text"]
    notes = [r.text for r in stack.slack.replies(CHANNEL, message.ts) if r.ts != message.ts]
    assert any("fired again" in n and "901 ms" in n for n in notes)


def test_flapping_counts_every_firing_and_shows_the_latest_state(stack: Any, clock: Clock) -> None:
    """Three ALARMs between 14:10 and 14:30 (OKs between): the message says fired 3× since the first, in ALARM."""
    start = clock.at()
    changes = [("OK", 12), ("ALARM", 2), ("OK", 2), ("ALARM", 0.5)]  # minutes after the previous change
    invoke(event(alarm(), "ALARM", start))
    previous = "ALARM"
    for state, minutes in changes:
        invoke(event(alarm(), state, clock.advance(minutes=minutes), previous=previous))
        previous = state

    [message] = top_level(stack)
    text = message.plain_text()
    assert "Fired 3×" in text and "Resolved after" not in text and "Flapping" in text
    assert message.blocks[0]["text"]["text"] == ":red_circle: FLAPPING · API-HighLatency-P95"
    assert [b for b in message.blocks if b["type"] == "actions"]  # firing again: the buttons are back


def test_recovery_edits_the_original_and_notes_it_in_the_thread(stack: Any, clock: Clock) -> None:
    invoke(load_event("alarms_sns_metric_alarm.json"))  # 18:55:12
    clock.advance(minutes=12)
    summary = invoke(load_event("alarms_sns_metric_ok.json"))  # 19:07:12

    assert summary["resolved"] == 1
    [message] = top_level(stack)
    assert message.edited and "RESOLVED · API-HighLatency-P95" in message.blocks[0]["text"]["text"]
    assert "Resolved after 12 min" in message.plain_text()
    assert not [b for b in message.blocks if b["type"] == "actions"]  # nothing to acknowledge any more
    notes = [r.text for r in stack.slack.replies(CHANNEL, message.ts) if r.ts != message.ts]
    assert any("resolved after 12 min" in n for n in notes)


def test_recovery_without_an_incident_posts_nothing(stack: Any, clock: Clock) -> None:
    summary = invoke(load_event("alarms_sns_metric_ok.json"))
    assert summary["counted"] == 1 and stack.slack.calls["chat.postMessage"] == 0


def test_flapping_is_marked_on_the_original_instead_of_posting_each_change(stack: Any, clock: Clock) -> None:
    state = "ALARM"
    invoke(event(alarm(), state, clock.at()))
    outcomes = []
    for _ in range(6):
        clock.advance(minutes=2)
        previous, state = state, "OK" if state == "ALARM" else "ALARM"
        observed = 812.0 if state == "ALARM" else 120.0
        summary = invoke(event(alarm(), state, clock.at(), previous=previous, observed=observed))
        outcomes.append(next(k for k in ("threaded", "resolved", "flapping", "counted") if summary.get(k)))

    assert outcomes == ["resolved", "threaded", "flapping", "flapping", "flapping", "flapping"]
    [message] = top_level(stack)
    assert "FLAPPING" in message.blocks[0]["text"]["text"] or "Flapping" in message.plain_text()
    notes = [r.text for r in stack.slack.replies(CHANNEL, message.ts) if r.ts != message.ts]
    assert sum("is flapping" in n for n in notes) == 1
    assert len(notes) <= 5  # graph + resolved + reopened + flapping (+ nothing per later change)


def test_a_storm_of_distinct_alarms_is_grouped_into_one_digest(stack: Any, clock: Clock) -> None:
    summaries = [invoke(event(alarm(f"Storm-Alarm-{i}"), "ALARM", clock.at())) for i in range(9)]

    actions = [next(k for k in ("posted", "grouped") if s.get(k)) for s in summaries]
    assert actions == ["posted"] * 4 + ["grouped"] * 5
    messages = top_level(stack)
    assert len(messages) == 5
    digest = messages[-1]
    assert "Alarm storm" in digest.blocks[0]["text"]["text"] and "9 alarms" in digest.blocks[0]["text"]["text"]
    grouped = [r.text for r in stack.slack.replies(CHANNEL, digest.ts) if r.ts != digest.ts]
    assert [n.split("*")[1] for n in grouped] == [f"Storm-Alarm-{i}" for i in range(4, 9)]


def test_posts_are_paced_per_channel(stack: Any, clock: Clock) -> None:
    for i in range(3):
        invoke(event(alarm(f"Paced-{i}"), "ALARM", clock.at()))
    assert clock.slept >= 4  # 3 posts + 3 graphs, one channel: ≥ 1 s apart in simulated time


def test_an_alarm_description_cannot_mention_anyone(stack: Any, clock: Clock) -> None:
    hostile = alarm(AlarmDescription="<!channel> wake up <@U0BOSS> see <https://evil.example|here> & " + "x" * 2000)
    invoke(event(hostile, "ALARM", clock.at()))

    [message] = top_level(stack)
    blob = dumps(message)
    assert "<!channel>" not in blob and "<@U0BOSS>" not in blob and "<https://evil" not in blob
    assert "&lt;!channel&gt;" in blob


def test_missing_data_on_an_open_incident_is_noted_in_its_thread(stack: Any, clock: Clock) -> None:
    invoke(event(alarm(), "ALARM", clock.at()))
    clock.advance(minutes=5)
    summary = invoke(event(alarm(), "INSUFFICIENT_DATA", clock.at(), previous="ALARM"))

    assert summary["threaded"] == 1
    [message] = top_level(stack)
    assert "NO DATA · API-HighLatency-P95" in message.blocks[0]["text"]["text"]
    assert any("has no data" in r.text for r in stack.slack.replies(CHANNEL, message.ts))


def test_a_grouped_alarm_recovers_in_the_digest_thread(stack: Any, clock: Clock) -> None:
    for i in range(5):
        invoke(event(alarm(f"Storm-{i}"), "ALARM", clock.at()))
    clock.advance(minutes=7)
    summary = invoke(event(alarm("Storm-4"), "OK", clock.at(), previous="ALARM", observed=90.0))

    assert summary["resolved"] == 1
    digest = top_level(stack)[-1]
    notes = [r.text for r in stack.slack.replies(CHANNEL, digest.ts)]
    assert any("Storm-4" in n and "resolved after 7 min" in n for n in notes)


def test_eventbridge_recovery_resolves_an_sns_incident(stack: Any, clock: Clock) -> None:
    invoke(load_event("alarms_sns_metric_alarm.json"))
    ok = load_event("alarms_eventbridge_metric.json")
    ok["id"] = "eventbridge-ok-1"
    ok["detail"]["previousState"], ok["detail"]["state"] = ok["detail"]["state"], ok["detail"]["previousState"]
    ok["detail"]["state"]["timestamp"] = "2026-11-26T19:03:12.461+0000"

    assert invoke(ok)["resolved"] == 1
    assert "Resolved after 8 min" in top_level(stack)[0].plain_text()


def test_routes_send_alarms_to_their_channels(
    stack: Any, clock: Clock, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from bot.settings import DEFAULT_CONFIG, reset_settings

    stack.slack.add_channel("db-oncall")
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["slack"]["routes"] = [{"namespace": "AWS/DynamoDB", "channel": "#db-oncall"}]
    (tmp_path / "perfbot.yml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("PERFBOT_CONFIG", str(tmp_path / "perfbot.yml"))
    reset_settings()
    try:
        invoke(load_event("alarms_sns_metric_math.json"))
        invoke(load_event("alarms_sns_metric_alarm.json"))
    finally:
        monkeypatch.delenv("PERFBOT_CONFIG")
        reset_settings()

    assert [m.blocks[0]["text"]["text"] for m in stack.slack.messages("#db-oncall")] == [
        ":red_circle: ALARM · DynamoDB-HighLatency"
    ]
    assert "API-HighLatency-P95" in top_level(stack)[0].blocks[0]["text"]["text"]


def test_a_route_to_a_channel_perfbot_cannot_see_falls_back_to_the_alarm_channel(
    stack: Any, clock: Clock, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    import yaml

    from bot.settings import DEFAULT_CONFIG, reset_settings

    stack.slack.add_channel("db-private", is_private=True, bot_member=False)  # invisible until /invite @perfbot
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["slack"]["routes"] = [{"namespace": "AWS/DynamoDB", "channel": "#db-private"}]
    (tmp_path / "perfbot.yml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("PERFBOT_CONFIG", str(tmp_path / "perfbot.yml"))
    reset_settings()
    try:
        assert invoke(load_event("alarms_sns_metric_math.json"))["posted"] == 1
    finally:
        monkeypatch.delenv("PERFBOT_CONFIG")
        reset_settings()

    assert "DynamoDB-HighLatency" in top_level(stack)[0].blocks[0]["text"]["text"]
    assert any(r.getMessage() == "alarm_route_channel_not_found" for r in caplog.records)


def test_two_containers_share_the_channel_pacing(stack: Any) -> None:
    from bot.alarms.storm import SharedChannelPacer
    from bot.aws.dynamodb import Table
    from bot.settings import get_settings

    now = {"t": 1000.0}
    slots: list[float] = []

    def sleep(seconds: float) -> None:  # record the moment each post may go out, without moving shared time
        slots.append(now["t"] + seconds)

    table = Table(get_settings().tables.state)
    containers = [SharedChannelPacer(table, 1.0, lambda: now["t"], sleep) for _ in range(2)]
    for i in range(6):
        containers[i % 2].wait(CHANNEL)  # both at the same instant, as concurrent Lambdas would
    containers[0].wait("#other-channel")

    assert slots == [1001.0, 1002.0, 1003.0, 1004.0, 1005.0]  # the first post goes at once, then one per second
    now["t"] = 2000.0
    containers[1].wait(CHANNEL)  # an idle channel does not wait
    assert len(slots) == 5


def test_an_older_change_delivered_late_does_not_override_the_newer_state(stack: Any, clock: Clock) -> None:
    first = clock.at()
    invoke(event(alarm(), "ALARM", first))
    recovered = clock.advance(minutes=10)
    invoke(event(alarm(), "OK", recovered, previous="ALARM", observed=90.0))
    late = invoke(event(alarm(), "ALARM", first + timedelta(minutes=5), previous="ALARM"))

    assert late["counted"] == 1
    assert "RESOLVED" in top_level(stack)[0].blocks[0]["text"]["text"]


@pytest.mark.parametrize(
    ("opened", "closed", "minutes"),
    [
        ("alarms_eventbridge_metric.json", "alarms_eventbridge_metric_ok.json", 12),
        ("alarms_sns_composite.json", "alarms_sns_composite_ok.json", 12),
    ],
)
def test_recovery_of_every_source_and_kind(stack: Any, clock: Clock, opened: str, closed: str, minutes: int) -> None:
    invoke(load_event(opened))
    assert invoke(load_event(closed))["resolved"] == 1
    assert f"Resolved after {minutes} min" in top_level(stack)[0].plain_text()
