"""The emulator's App Home: views.publish as strict as Slack, and the app_home_opened event it can send."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from devstack import slack_requests
from devstack.slack import SlackEmulator, api_views

USER = "U0APPROVER1"


@pytest.fixture(autouse=True)
def member(emu: SlackEmulator) -> None:
    emu.add_user(USER, "alice", "Alice Approver")


def home(blocks: int = 1, **extra: Any) -> dict[str, Any]:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "Open incidents"}}
    return {"type": "home", "blocks": [section] * blocks, **extra}


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as info:
        call()
    return dict(info.value.response.data)


def test_publish_stores_one_view_per_user_and_replaces_it(client: WebClient, emu: SlackEmulator) -> None:
    first = client.views_publish(user_id=USER, view=home())["view"]
    second = client.views_publish(user_id=USER, view=home(2), hash=first["hash"])["view"]
    assert second["id"] == first["id"] and second["hash"] != first["hash"]
    stored = emu.home_view(USER)
    assert stored is not None and len(stored["blocks"]) == 2 and stored["type"] == "home"
    assert not emu.refusals


def test_publish_refuses_what_slack_refuses(client: WebClient, emu: SlackEmulator) -> None:
    emu.expect_refusal("views.publish")
    assert error_of(lambda: client.views_publish(user_id="U0NOBODY", view=home()))["error"] == "user_not_found"
    modal = {**home(), "type": "modal", "title": {"type": "plain_text", "text": "x"}}
    refused = error_of(lambda: client.views_publish(user_id=USER, view=modal))
    assert refused["error"] == "invalid_arguments"
    assert "[ERROR] must be one of home [json-pointer:/view/type]" in refused["response_metadata"]["messages"]
    assert error_of(lambda: client.views_publish(user_id=USER, view=home(101)))["error"] == "invalid_arguments"
    assert client.views_publish(user_id=USER, view=home(100))["ok"]
    stale = error_of(lambda: client.views_publish(user_id=USER, view=home(), hash="1234.5678"))
    assert stale["error"] == "hash_conflict"
    big = home(1)
    big["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}}] * 90
    assert error_of(lambda: client.views_publish(user_id=USER, view=big))["error"] == "view_too_large"
    bad_button = home(1)
    bad_button["blocks"] = [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text"}}]}]
    assert error_of(lambda: client.views_publish(user_id=USER, view=bad_button))["error"] == "invalid_arguments"


def test_publish_needs_the_home_tab_enabled(client: WebClient, emu: SlackEmulator, monkeypatch: Any) -> None:
    monkeypatch.setattr(api_views, "home_tab_enabled", lambda: False)
    emu.expect_refusal("views.publish", "not_enabled")
    assert error_of(lambda: client.views_publish(user_id=USER, view=home()))["error"] == "not_enabled"


def test_the_manifest_enables_the_home_tab_and_subscribes_to_app_home_opened_only() -> None:
    import yaml

    manifest = yaml.safe_load(api_views.MANIFEST.read_text(encoding="utf-8"))
    assert api_views.home_tab_enabled()
    events = manifest["settings"]["event_subscriptions"]
    assert events["bot_events"] == ["app_home_opened"]
    assert events["request_url"] == manifest["settings"]["interactivity"]["request_url"]
    assert "user_events" not in events


def test_app_home_opened_event_carries_the_published_view(client: WebClient, emu: SlackEmulator) -> None:
    opened = emu.app_home_opened(USER)
    assert opened["type"] == "app_home_opened" and opened["tab"] == "home" and "view" not in opened
    client.views_publish(user_id=USER, view=home())
    again = emu.app_home_opened(USER)
    assert again["view"]["id"] == emu.home_view(USER)["id"]  # type: ignore[index]
    envelope = json.loads(slack_requests.event_callback_body(again))
    assert envelope["type"] == "event_callback" and envelope["event"] == again and envelope["event_id"].startswith("Ev")


def test_a_trigger_expires_three_seconds_after_it_was_issued() -> None:
    now = [1_800_000_000.0]
    with SlackEmulator(clock=lambda: now[0]) as emu:
        client = WebClient(token=emu.bot_token, base_url=emu.api_url)
        modal = {"type": "modal", "title": {"type": "plain_text", "text": "Maintenance"}, "blocks": []}
        fresh, late = emu.trigger_id(), emu.trigger_id()
        now[0] += 2.9
        assert client.views_open(trigger_id=fresh, view=modal)["ok"]
        assert error_of(lambda: client.views_open(trigger_id=fresh, view=modal))["error"] == "exchanged_trigger_id"
        now[0] += 0.2
        assert error_of(lambda: client.views_open(trigger_id=late, view=modal))["error"] == "expired_trigger_id"
