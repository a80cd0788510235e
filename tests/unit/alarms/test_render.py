"""The alarm message: escaping, Slack's limits, buttons, the extension point for other capabilities' buttons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.alarms.incidents import Incident
from bot.alarms.intake import notifications
from bot.alarms.models import AlarmNotification
from bot.alarms.views import DigestView, IncidentView, Note
from bot.slack.render import alarms as render
from tests.conftest import load_event

NOW = 1795719312.0


def parsed(name: str = "alarms_sns_metric_alarm.json", **changes: Any) -> AlarmNotification:
    [item] = notifications(load_event(name))
    assert isinstance(item, AlarmNotification)
    return item.model_copy(update=changes)


def view(n: AlarmNotification, **incident: Any) -> IncidentView:
    fields: dict[str, Any] = {"alarm_name": n.alarm_name, "opened_at": NOW - 600, "notification": n.model_dump_json()}
    return IncidentView(
        incident=Incident(**(fields | incident)),
        notification=n,
        reason="812 ms <b>",
        now=NOW,
        observed="812 ms",
        threshold="500 ms",
    )


def mrkdwn_texts(value: Any) -> list[str]:
    """Every mrkdwn text object in the blocks (plain_text is never parsed for mentions or links)."""
    if isinstance(value, dict):
        own = [value["text"]] if value.get("type") == "mrkdwn" else []
        return own + [t for v in value.values() for t in mrkdwn_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in mrkdwn_texts(v)]
    return []


def test_hostile_text_is_escaped_everywhere() -> None:
    n = parsed(alarm_name="<!channel>", description="<!here> <@U123> <https://x.example|click> & more")
    text, blocks = render.incident_message(view(n))
    for shown in [text, *mrkdwn_texts(blocks)]:
        for raw in ("<!channel>", "<!here>", "<@U123>", "<https://x.example"):
            assert raw not in shown
    assert any("&lt;!here&gt;" in t for t in mrkdwn_texts(blocks))


def test_limits_hold_for_huge_inputs() -> None:
    n = parsed(alarm_name="A" * 255, description="d" * 1024, reason="r" * 1023)
    _, blocks = render.incident_message(view(n).__class__(**{**view(n).__dict__, "reason": "x" * 5000}))
    assert len(blocks) <= 50
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000


def test_buttons_carry_only_the_incident_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "EXTRA_ACTIONS", [])
    _, blocks = render.incident_message(view(parsed()))
    [row] = [b for b in blocks if b["type"] == "actions"]
    assert [e["action_id"] for e in row["elements"]] == ["alarm_ack", "alarm_silence_1h", "alarm_silence_until_ok"]
    assert {e["value"] for e in row["elements"]} == {"API-HighLatency-P95"}


def test_resolved_and_acknowledged_states() -> None:
    n = parsed("alarms_sns_metric_ok.json")
    _, blocks = render.incident_message(view(n, state="OK", severity="ok", resolved_at=NOW, acked_by="U0ALICE"))
    blob = json.dumps(blocks)
    assert "RESOLVED" in blocks[0]["text"]["text"] and "Resolved after 10 min" in blob and "<@U0ALICE>" in blob
    assert not [b for b in blocks if b["type"] == "actions"]


def test_mention_accepts_only_slack_user_ids() -> None:
    assert render.mention("U0ALICE") == "<@U0ALICE>"
    assert render.mention("<!channel>") == "&lt;!channel&gt;"


def test_other_capabilities_extend_the_actions_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "EXTRA_ACTIONS", ["tests.unit.alarms.test_render:analyze_button"])
    _, blocks = render.incident_message(view(parsed()))
    [row] = [b for b in blocks if b["type"] == "actions"]
    assert row["elements"][-1]["action_id"] == "analyze_alarm"


def analyze_button(incident: Incident) -> list[dict[str, Any]]:
    return [render.button("Analyze", "analyze_alarm", incident.key)]


def test_notes_and_digest_escape_names() -> None:
    note = render.note_text(Note(kind="repeat", alarm_name="<!channel>", reason="<@U1>", count=3))
    assert "<!channel>" not in note and "<@U1>" not in note and "3×" in note
    _, blocks = render.digest_message(
        DigestView(channel="#a", started_at=NOW, window_s=60, count=7, alarms=["<!here>", "B"])
    )
    assert "<!here>" not in json.dumps(blocks) and "7 alarms" in blocks[0]["text"]["text"]
