"""The emulator refuses what Slack refuses: required arguments, argument shapes, Block Kit as slack_sdk's models
see it, text and attachment limits, metadata, per-method rate-limit tiers — and it logs every refusal."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from devstack.slack import Refusal, SlackEmulator
from devstack.slack.ratelimit import METHOD_TIERS
from tests.devstack.slack_helpers import open_workspace, refused

ALICE = "U0ALICE001"


@pytest.fixture(autouse=True)
def workspace(emu: SlackEmulator) -> None:
    open_workspace(emu, ["perf-alerts"])


@pytest.fixture
def posted(client: WebClient) -> Any:
    return client.chat_postMessage(channel="#perf-alerts", text="alarm")


# -- arguments -----------------------------------------------------------------------------------------------


def test_required_arguments_answer_slacks_codes(client: WebClient, emu: SlackEmulator, posted: Any) -> None:
    channel = posted["channel"]
    refused(emu, lambda: client.api_call("chat.postMessage", json={"text": "x"}), "channel_not_found")
    refused(emu, lambda: client.api_call("chat.update", json={"text": "x"}), "channel_not_found")
    refused(
        emu, lambda: client.api_call("chat.postEphemeral", json={"channel": channel, "text": "x"}), "user_not_found"
    )
    refused(emu, lambda: client.api_call("chat.update", json={"channel": channel, "text": "x"}), "message_not_found")
    refused(emu, lambda: client.api_call("reactions.add", json={"channel": channel, "name": "x"}), "no_item_specified")
    missing = refused(
        emu, lambda: client.api_call("files.getUploadURLExternal", json={"length": 3}), "invalid_arguments"
    )
    assert missing["response_metadata"]["messages"] == ["[ERROR] missing required field: filename"]
    refused(emu, lambda: client.files_getUploadURLExternal(filename="a.txt", length=0), "missing_argument")


def test_timestamps_must_look_like_slack_timestamps(client: WebClient, emu: SlackEmulator, posted: Any) -> None:
    channel = posted["channel"]
    refused(emu, lambda: client.reactions_add(channel=channel, timestamp="yesterday", name="eyes"), "bad_timestamp")
    refused(emu, lambda: client.chat_update(channel=channel, ts="yesterday", text="x"), "message_not_found")
    refused(emu, lambda: client.conversations_replies(channel=channel, ts="yesterday"), "thread_not_found")
    refused(emu, lambda: client.chat_postMessage(channel=channel, text="x", thread_ts="now"), "invalid_thread_ts")


def test_text_attachment_and_metadata_limits(client: WebClient, emu: SlackEmulator, posted: Any) -> None:
    channel, ts = posted["channel"], posted["ts"]
    assert client.chat_update(channel=channel, ts=ts, text="u" * 4000)["ok"]
    refused(emu, lambda: client.chat_update(channel=channel, ts=ts, text="u" * 4001), "msg_too_long")
    refused(emu, lambda: client.chat_postMessage(channel=channel, text="t" * 40_001), "msg_too_long")
    many = [{"text": str(i), "fallback": str(i)} for i in range(101)]
    refused(emu, lambda: client.chat_postMessage(channel=channel, text="x", attachments=many), "too_many_attachments")
    good = {"event_type": "incident", "event_payload": {"id": "1"}}
    assert client.chat_postMessage(channel=channel, text="x", metadata=good)["message"]["metadata"] == good
    bad = {"event_type": "incident"}
    refused(emu, lambda: client.chat_postMessage(channel=channel, text="x", metadata=bad), "invalid_metadata_schema")
    not_json = {"channel": channel, "text": "x", "metadata": "{"}
    refused(emu, lambda: client.api_call("chat.postMessage", params=not_json), "invalid_metadata_format")


SDK_ONLY = {  # the hand-written checks pass these; slack_sdk's block models refuse them
    "datepicker placeholder 151": {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "When?"},
        "accessory": {
            "type": "datepicker",
            "action_id": "d",
            "placeholder": {"type": "plain_text", "text": "p" * 151},
        },
    },
    "input hint 2001": {
        "type": "input",
        "label": {"type": "plain_text", "text": "Reason"},
        "element": {"type": "plain_text_input", "action_id": "r"},
        "hint": {"type": "plain_text", "text": "h" * 2001},
    },
}


@pytest.mark.parametrize("block", SDK_ONLY.values(), ids=SDK_ONLY.keys())
def test_blocks_slack_sdk_refuses_are_invalid_blocks(
    client: WebClient, emu: SlackEmulator, block: dict[str, Any]
) -> None:
    answer = refused(
        emu, lambda: client.chat_postMessage(channel="#perf-alerts", text="t", blocks=[block]), "invalid_blocks"
    )
    [message] = answer["response_metadata"]["messages"]
    assert message.startswith("[ERROR] ") and "cannot exceed" in message and "[json-pointer:/blocks/0" in message


# -- rate-limit tiers ----------------------------------------------------------------------------------------


def test_tiers_answer_429_with_retry_after_past_the_documented_minimum(client: WebClient, emu: SlackEmulator) -> None:
    assert (METHOD_TIERS["conversations.list"], METHOD_TIERS["chat.update"], METHOD_TIERS["users.info"]) == (2, 3, 4)
    for _ in range(20):  # Tier 2: 20+ per minute
        client.conversations_list(limit=1)
    emu.expect_refusal("conversations.list", "ratelimited")
    with pytest.raises(SlackApiError) as info:
        client.conversations_list(limit=1)
    response = info.value.response
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert emu.rate_limited["conversations.list"] == 1
    assert client.users_info(user=ALICE)["ok"]  # counted per method
    emu.reset()  # tests reset between cases: counts start again
    open_workspace(emu, [])
    assert client.conversations_list(limit=1)["ok"]


def test_tiers_can_be_switched_off_or_changed(client: WebClient, emu: SlackEmulator) -> None:
    emu.enforce_tiers(per_minute={"users.info": 2})
    client.users_info(user=ALICE)
    client.users_info(user=ALICE)
    refused(emu, lambda: client.users_info(user=ALICE), "ratelimited")
    emu.enforce_tiers(False)
    assert all(client.conversations_list(limit=1)["ok"] for _ in range(25))


# -- the refusal log -----------------------------------------------------------------------------------------


def test_every_refusal_is_logged_until_reset(client: WebClient, emu: SlackEmulator, posted: Any) -> None:
    emu.set_scopes(["chat:write"])
    refused(emu, lambda: client.chat_update(channel="#perf-alerts", ts=posted["ts"], text="x"), "channel_not_found")
    refused(emu, lambda: client.users_info(user=ALICE), "missing_scope")
    emu.rate_limit("chat.postMessage", times=1, retry_after=3)
    refused(emu, lambda: client.chat_postMessage(channel="#perf-alerts", text="x"), "ratelimited")
    hook = WebhookClient(emu.response_url("#perf-alerts", ALICE))
    assert hook.send(text="").body == "no_text"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(urllib.request.Request(f"{emu.base_url}upload/v1/F0NOPE", data=b"x"))
    assert emu.refusals == [
        Refusal("chat.update", "channel_not_found", "#perf-alerts", ""),
        Refusal("users.info", "missing_scope", None, "needed=users:read provided=chat:write"),
        Refusal("chat.postMessage", "ratelimited", posted["channel"], "Retry-After=3"),
        Refusal("response_url", "no_text", posted["channel"], "HTTP 400"),
        Refusal("upload", "file_not_found", None, "HTTP 404 F0NOPE"),
    ]
    assert [(r.method, r.error) for r in emu.unexpected_refusals] == [
        ("response_url", "no_text"),
        ("upload", "file_not_found"),
    ]
    emu.expect_refusal("response_url")
    emu.expect_refusal(error="file_not_found")
    assert emu.unexpected_refusals == []
    emu.reset()
    assert emu.refusals == [] and emu.unexpected_refusals == []


def test_a_clean_run_logs_no_refusals(client: WebClient, emu: SlackEmulator, posted: Any) -> None:
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="resolved")
    client.chat_postMessage(channel="#perf-alerts", text="repeat", thread_ts=posted["ts"])
    assert emu.refusals == []
