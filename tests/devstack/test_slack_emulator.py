"""The Slack emulator driven by the real slack_sdk WebClient: auth, chat.*, threads, validation errors."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from devstack.slack import SlackEmulator
from devstack.stack import LOCAL_BOT_TOKEN as TOKEN
from tests.devstack.slack_helpers import open_workspace

CHANNELS = ("x", "form", "perf-alerts", "ts", "t", "u", "e", "v", "p")


@pytest.fixture(autouse=True)
def workspace(emu: SlackEmulator) -> None:
    open_workspace(emu, CHANNELS)


def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(label: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": "go", **extra}


# -- auth ----------------------------------------------------------------------------------------------------


def test_auth_test_answers_like_slack(client: WebClient, emu: SlackEmulator) -> None:
    answer = client.auth_test()
    assert answer["ok"] is True
    assert answer["user_id"] == emu.bot_user_id
    assert answer["bot_id"] == emu.bot_id
    assert {"team", "team_id", "user", "url"} <= set(answer.data)


def test_api_test_needs_no_token_and_echoes_error(emu: SlackEmulator) -> None:
    anonymous = WebClient(base_url=emu.api_url)
    assert anonymous.api_test()["ok"] is True
    assert api_error(lambda: anonymous.api_test(error="my_error")).response["error"] == "my_error"


def test_missing_and_wrong_tokens_are_refused(emu: SlackEmulator) -> None:
    assert api_error(WebClient(base_url=emu.api_url).auth_test).response["error"] == "not_authed"
    wrong = WebClient(token="xoxb-wrong", base_url=emu.api_url)
    assert api_error(lambda: wrong.chat_postMessage(channel="#x", text="hi")).response["error"] == "invalid_auth"
    assert emu.messages("#x") == []


def test_token_may_come_as_a_form_field(emu: SlackEmulator) -> None:
    body = f"token={TOKEN}&channel=%23form&text=from+a+form".encode()
    with urllib.request.urlopen(f"{emu.api_url}chat.postMessage", data=body) as response:
        assert json.loads(response.read())["ok"] is True
    assert emu.messages("#form")[0].text == "from a form"


def test_unknown_method_is_http_200_unknown_method(client: WebClient) -> None:
    error = api_error(lambda: client.api_call("perf.nonsense"))
    assert error.response.status_code == 200
    assert error.response["error"] == "unknown_method"


# -- chat.postMessage and threads ----------------------------------------------------------------------------


def test_channel_by_name_hash_name_or_id_is_the_same_channel(client: WebClient, emu: SlackEmulator) -> None:
    first = client.chat_postMessage(channel="#perf-alerts", text="one")
    second = client.chat_postMessage(channel="perf-alerts", text="two")
    client.chat_postMessage(channel=first["channel"], text="three")
    assert first["channel"] == second["channel"] == emu.channel_id("#perf-alerts") == emu.channel_id("perf-alerts")
    assert re.fullmatch(r"C[A-Z0-9]{10}", first["channel"])
    assert [m.text for m in emu.messages("#perf-alerts")] == ["one", "two", "three"]
    assert first["message"]["text"] == "one"
    assert first["message"]["bot_id"] == emu.bot_id


def test_timestamps_are_unique_increasing_and_slack_shaped(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="#ts", text=str(i))["ts"] for i in range(20)]
    assert len(set(stamps)) == 20
    assert [float(t) for t in stamps] == sorted(float(t) for t in stamps)
    assert all(len(t.split(".")[1]) == 6 for t in stamps)


def test_unknown_channel_id_and_missing_text(client: WebClient) -> None:
    assert api_error(lambda: client.chat_postMessage(channel="C0NOTTHERE1", text="x")).response["error"] == (
        "channel_not_found"
    )
    with pytest.warns(UserWarning):
        error = api_error(lambda: client.chat_postMessage(channel="#x"))
    assert error.response["error"] == "no_text"


def test_blocks_as_json_string_in_a_form_body(client: WebClient, emu: SlackEmulator) -> None:
    blocks = json.dumps([section("form *blocks*")])
    client.api_call("chat.postMessage", params={"channel": "#form", "blocks": blocks, "text": "fallback"})
    message = emu.messages("#form")[0]
    assert message.blocks[0]["type"] == "section"
    assert message.plain_text() == "form *blocks*"


def test_thread_replies_bump_the_parent(client: WebClient, emu: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="#t", text="incident")
    r1 = client.chat_postMessage(channel="#t", text="repeat 1", thread_ts=parent["ts"])
    r2 = client.chat_postMessage(channel="#t", text="repeat 2", thread_ts=r1["ts"])  # a reply's ts → same thread
    [top] = emu.messages("#t")
    assert top.reply_count == 2
    assert top.latest_reply == r2["ts"]
    assert [m.text for m in emu.replies("#t", parent["ts"])] == ["repeat 1", "repeat 2"]
    assert r2["message"]["thread_ts"] == parent["ts"]
    history = client.conversations_replies(channel=parent["channel"], ts=parent["ts"])
    assert [m["text"] for m in history["messages"]] == ["incident", "repeat 1", "repeat 2"]
    assert history["messages"][0]["reply_count"] == 2


def test_thread_errors_and_broadcast(client: WebClient, emu: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="#t", text="p")
    error = api_error(lambda: client.chat_postMessage(channel="#t", text="r", thread_ts="1.000001"))
    assert error.response["error"] == "thread_not_found"
    assert api_error(lambda: client.chat_postMessage(channel="#t", text="r", thread_ts="x")).response["error"] == (
        "invalid_thread_ts"
    )
    client.chat_postMessage(channel="#t", text="loud", thread_ts=parent["ts"], reply_broadcast=True)
    assert [m.text for m in emu.messages("#t")] == ["p", "loud"]
    assert emu.messages("#t")[1].subtype == "thread_broadcast"


def test_update_keeps_blocks_only_when_neither_text_nor_blocks_change(client: WebClient, emu: SlackEmulator) -> None:
    posted = client.chat_postMessage(channel="#u", text="firing", blocks=[section("FIRING")])
    channel = posted["channel"]
    with pytest.warns(UserWarning):  # slack_sdk's advice to always send text
        client.chat_update(channel=channel, ts=posted["ts"], attachments=[{"text": "note"}])
    assert emu.messages("#u")[0].blocks == [section("FIRING")]  # neither text nor blocks given: kept
    updated = client.chat_update(channel=channel, ts=posted["ts"], text="resolved")
    assert updated["ts"] == posted["ts"]
    [message] = emu.messages("#u")
    assert (message.text, message.edited, message.blocks) == ("resolved", True, [])  # text alone drops blocks
    client.chat_update(channel=channel, ts=posted["ts"], text="ok", blocks=[section("RESOLVED")])
    assert emu.messages("#u")[0].blocks == [section("RESOLVED")]
    error = api_error(lambda: client.chat_update(channel=channel, ts="1.000002", text="x"))
    assert error.response["error"] == "message_not_found"
    emu.expect_refusal("chat.update", "message_not_found")


def test_ephemeral_and_delete(client: WebClient, emu: SlackEmulator) -> None:
    answer = client.chat_postEphemeral(channel="#e", user="U0ALICE001", text="only you")
    assert answer["message_ts"]
    assert emu.messages("#e") == []
    [eph] = emu.ephemerals("#e", user="U0ALICE001")
    assert (eph.text, eph.ephemeral_user, eph.ephemeral) == ("only you", "U0ALICE001", True)
    assert emu.ephemerals(user="U0BOB00001") == []
    posted = client.chat_postMessage(channel="#e", text="bye")
    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert emu.messages("#e") == []


def test_conversations_info_and_history(client: WebClient, emu: SlackEmulator) -> None:
    channel = emu.add_channel("perf-reports")
    assert client.conversations_info(channel=channel)["channel"]["name"] == "perf-reports"
    for text in ("a", "b", "c"):
        client.chat_postMessage(channel=channel, text=text)
    history = client.conversations_history(channel=channel, limit=2)
    assert [m["text"] for m in history["messages"]] == ["c", "b"]
    assert history["has_more"] is True


def test_plain_text_flattens_blocks(client: WebClient, emu: SlackEmulator) -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "API latency high"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "p95 *812 ms* &lt;!channel&gt; <https://x.test|dashboard>"},
            "fields": [{"type": "mrkdwn", "text": "*Target*\n500 ms"}],
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "monitoring-api"}, {"type": "plain_text", "text": "dev"}],
        },
        {"type": "actions", "elements": [button("Approve"), button("Reject", style="danger")]},
    ]
    client.chat_postMessage(channel="#p", text="fallback", blocks=blocks)
    text = emu.messages("#p")[0].plain_text()
    assert text.splitlines() == [
        "API latency high",
        "p95 *812 ms* <!channel> dashboard",
        "*Target*: 500 ms",
        "monitoring-api · dev",
        "[ Approve ] [ Reject ]",
    ]


# -- validation ----------------------------------------------------------------------------------------------

LONG = "x" * 3001
INVALID_BLOCKS = {
    "51 blocks": [section("b")] * 51,
    "section text 3001": [section(LONG)],
    "header 151": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
    "button value 2001": [{"type": "actions", "elements": [button(value="v" * 2001)]}],
    "action_id 256": [{"type": "actions", "elements": [{**button(), "action_id": "a" * 256}]}],
    "block_id 256": [{**section("b"), "block_id": "i" * 256}],
    "11 fields": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
    "field 2001": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
    "26 actions": [{"type": "actions", "elements": [button()] * 26}],
    "confirm text 301": [
        {
            "type": "actions",
            "elements": [
                button(
                    confirm={
                        "title": {"type": "plain_text", "text": "Sure?"},
                        "text": {"type": "plain_text", "text": "c" * 301},
                        "confirm": {"type": "plain_text", "text": "Yes"},
                        "deny": {"type": "plain_text", "text": "No"},
                    }
                )
            ],
        }
    ],
    "11 context elements": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
    "unknown block type": [{"type": "carousel"}],
}


@pytest.mark.parametrize("blocks", INVALID_BLOCKS.values(), ids=INVALID_BLOCKS.keys())
@pytest.mark.parametrize("method", ["chat_postMessage", "chat_postEphemeral", "chat_update"])
def test_invalid_blocks_are_refused_with_reasons(
    client: WebClient, emu: SlackEmulator, method: str, blocks: list[dict[str, Any]]
) -> None:
    posted = client.chat_postMessage(channel="#v", text="ok")
    extra = {"chat_postEphemeral": {"user": "U0ALICE001"}, "chat_update": {"ts": posted["ts"]}}.get(method, {})
    call = getattr(client, method)
    error = api_error(lambda: call(channel=posted["channel"], text="t", blocks=blocks, **extra))
    assert error.response["error"] == "invalid_blocks"
    messages = error.response["response_metadata"]["messages"]
    assert messages
    assert all(m.startswith("[ERROR] ") and "[json-pointer:/blocks" in m for m in messages)


def test_limits_themselves_are_accepted(client: WebClient, emu: SlackEmulator) -> None:
    blocks = (
        [section("x" * 3000)]
        + [section("b")] * 48
        + [{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}]
    )
    assert client.chat_postMessage(channel="#v", text="t" * 40_000, blocks=blocks)["ok"] is True


def test_text_and_block_format_errors(client: WebClient) -> None:
    assert api_error(lambda: client.chat_postMessage(channel="#v", text="t" * 40_001)).response["error"] == (
        "msg_too_long"
    )
    not_a_list = api_error(lambda: client.api_call("chat.postMessage", json={"channel": "#v", "blocks": {"a": 1}}))
    assert not_a_list.response["error"] == "invalid_blocks_format"
    bad_json = api_error(lambda: client.api_call("chat.postMessage", params={"channel": "#v", "blocks": "[{"}))
    assert bad_json.response["error"] == "invalid_blocks_format"
