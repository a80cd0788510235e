"""The Slack emulator's users, user groups, modals, files v2 uploads and response_url — via the real SDK."""

from __future__ import annotations

import struct
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from devstack.slack import SlackEmulator
from devstack.slack.scopes import ALL_SCOPES
from devstack.stack import LOCAL_BOT_TOKEN as TOKEN
from tests.devstack.slack_helpers import open_workspace

CHANNELS = ("perf-alerts", "perf", "kept")


@pytest.fixture(autouse=True)
def workspace(emu: SlackEmulator) -> None:
    open_workspace(emu, CHANNELS)


def api_error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


def png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\x08\x06\0\0\0" + b"\0" * 64


def modal(title: str = "Approve change", blocks: int = 1) -> dict[str, Any]:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "Change memory"}}
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": [section] * blocks}


# -- users and groups ----------------------------------------------------------------------------------------


def test_users_info(client: WebClient) -> None:
    user = client.users_info(user="U0ALICE001")["user"]
    assert (user["id"], user["name"], user["real_name"], user["is_admin"]) == (
        "U0ALICE001",
        "alice",
        "Alice Admin",
        True,
    )
    assert user["profile"]["real_name"] == "Alice Admin"
    assert user["tz"]
    assert api_error(lambda: client.users_info(user="U0NOBODY01")).response["error"] == "user_not_found"


def test_usergroup_members(client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S0APPROVER")["users"] == ["U0ALICE001"]
    assert api_error(lambda: client.usergroups_users_list(usergroup="S0NOPE0000")).response["error"] == (
        "no_such_subteam"
    )


def test_reset_keeps_users_and_channels(client: WebClient, emu: SlackEmulator) -> None:
    channel = emu.add_channel("kept")
    client.chat_postMessage(channel=channel, text="gone after reset")
    emu.reset()
    assert emu.messages(channel) == []
    assert emu.calls == {}
    emu.set_scopes(ALL_SCOPES)  # reset restored the manifest's
    assert emu.channel_id("#kept") == channel
    assert client.conversations_info(channel=channel)["channel"]["name"] == "kept"
    assert client.users_info(user="U0BOB00001")["user"]["name"] == "bob"


# -- views ---------------------------------------------------------------------------------------------------


def test_views_open_and_update(client: WebClient, emu: SlackEmulator) -> None:
    opened = client.views_open(trigger_id="123.456.abc", view=modal())
    view_id = opened["view"]["id"]
    assert view_id.startswith("V")
    assert opened["view"]["title"]["text"] == "Approve change"
    updated = client.views_update(view_id=view_id, view=modal("Applied"))
    assert updated["view"]["id"] == view_id
    assert [v["title"]["text"] for v in emu.views()] == ["Applied"]


def test_views_open_errors(client: WebClient) -> None:
    assert api_error(lambda: client.views_open(trigger_id="", view=modal())).response["error"] == "invalid_arguments"
    long_title = api_error(lambda: client.views_open(trigger_id="1.2.a", view=modal("t" * 25))).response
    assert long_title["error"] == "invalid_arguments"
    assert any("/view/title/text" in m for m in long_title["response_metadata"]["messages"])
    too_many = api_error(lambda: client.views_open(trigger_id="1.2.b", view=modal(blocks=101))).response
    assert (
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
        in too_many["response_metadata"]["messages"]
    )
    not_modal = api_error(lambda: client.views_open(trigger_id="1.2.c", view={**modal(), "type": "home"})).response
    assert not_modal["error"] == "invalid_arguments"
    client.views_open(trigger_id="1.2.d", view=modal())
    assert api_error(lambda: client.views_open(trigger_id="1.2.d", view=modal())).response["error"] == (
        "exchanged_trigger_id"
    )


# -- files v2 ------------------------------------------------------------------------------------------------


def test_files_upload_v2_end_to_end(client: WebClient, emu: SlackEmulator) -> None:
    data = png(1024, 400)
    answer = client.files_upload_v2(
        channel=emu.channel_id("#perf-alerts"),
        content=data,
        filename="graph.png",
        title="p95 latency",
        initial_comment="Latency graph",
    )
    assert answer["file"]["name"] == "graph.png"
    assert answer["file"]["title"] == "p95 latency"
    assert (answer["file"]["original_w"], answer["file"]["original_h"]) == (1024, 400)
    [file] = emu.files()
    assert (file.name, file.title, file.bytes, file.channel, file.thread_ts) == (
        "graph.png",
        "p95 latency",
        data,
        emu.channel_id("#perf-alerts"),
        None,
    )
    assert file.describe() == "graph.png 1024x400 PNG"
    [message] = emu.messages("#perf-alerts")
    assert message.text == "Latency graph"
    assert [f.id for f in message.files] == [file.id]
    assert emu.calls["files.getUploadURLExternal"] == emu.calls["files.completeUploadExternal"] == 1
    assert client.files_info(file=file.id)["file"]["size"] == len(data)
    request = urllib.request.Request(answer["file"]["url_private"], headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request) as response:
        assert response.read() == data


def test_files_upload_v2_into_a_thread(client: WebClient, emu: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="#perf-alerts", text="incident")
    client.files_upload_v2(
        channel=parent["channel"],
        content=b"a,b\n1,2\n",
        filename="numbers.csv",
        title="Numbers",
        thread_ts=parent["ts"],
    )
    [reply] = emu.replies("#perf-alerts", parent["ts"])
    assert reply.files[0].name == "numbers.csv"
    assert reply.files[0].thread_ts == parent["ts"]
    assert emu.messages("#perf-alerts")[0].reply_count == 1


def test_upload_url_answers_ok_with_length(client: WebClient) -> None:
    ticket = client.files_getUploadURLExternal(filename="a.txt", length=5)
    with urllib.request.urlopen(urllib.request.Request(ticket["upload_url"], data=b"hello", method="POST")) as r:
        assert (r.status, r.read()) == (200, b"OK - 5")


def test_completing_an_unknown_file_fails(client: WebClient) -> None:
    error = api_error(lambda: client.files_completeUploadExternal(files=[{"id": "F0NOPE", "title": "x"}]))
    assert error.response["error"] == "file_not_found"


# -- response_url --------------------------------------------------------------------------------------------


def test_response_url_defaults_to_ephemeral(emu: SlackEmulator) -> None:
    hook = WebhookClient(emu.response_url("#perf", "U0ALICE001"))
    answer = hook.send(text="Working on it…")
    assert (answer.status_code, answer.body) == (200, "ok")
    assert emu.messages("#perf") == []
    assert [m.text for m in emu.ephemerals("#perf", user="U0ALICE001")] == ["Working on it…"]


def test_response_url_in_channel_then_replace_and_delete(emu: SlackEmulator) -> None:
    hook = WebhookClient(emu.response_url("#perf", "U0ALICE001"))
    hook.send(text="SLA report", response_type="in_channel")
    hook.send(text="SLA report (final)", replace_original=True)
    [message] = emu.messages("#perf")
    assert (message.text, message.edited) == ("SLA report (final)", True)
    hook.send(text="", delete_original=True)
    assert emu.messages("#perf") == []


def test_response_url_replaces_the_message_the_button_was_on(client: WebClient, emu: SlackEmulator) -> None:
    card = client.chat_postMessage(channel="#perf", text="Proposal: memory 512 → 1024 MB")
    hook = WebhookClient(emu.response_url("#perf", "U0ALICE001", message_ts=card["ts"]))
    hook.send(text="Applying…", response_type="ephemeral", replace_original=False)
    hook.send(text="Applied by @alice", replace_original=True, blocks=[{"type": "divider"}])
    [message] = emu.messages("#perf")
    assert (message.ts, message.text, message.edited) == (card["ts"], "Applied by @alice", True)
    assert [m.text for m in emu.ephemerals(user="U0ALICE001")] == ["Applying…"]


def test_response_url_thread_reply_and_errors(client: WebClient, emu: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="#perf", text="alarm")
    hook = WebhookClient(emu.response_url("#perf", "U0BOB00001"))
    hook.send_dict({"text": "analysis", "response_type": "in_channel", "thread_ts": parent["ts"]})
    assert [m.text for m in emu.replies("#perf", parent["ts"])] == ["analysis"]
    invalid = hook.send(text="x", blocks=[{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}])
    assert (invalid.status_code, invalid.body) == (400, "invalid_blocks")
    assert hook.send(text="").body == "no_text"
    unknown = WebhookClient(f"{emu.base_url}response/not-a-token").send(text="x")
    assert unknown.status_code == 404


def test_upload_url_accepts_multipart(client: WebClient, emu: SlackEmulator) -> None:
    ticket = client.files_getUploadURLExternal(filename="report.txt", length=6)
    boundary = "xyz"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="report.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nreport\r\n--{boundary}--\r\n"
    ).encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    with urllib.request.urlopen(urllib.request.Request(ticket["upload_url"], data=body, headers=headers)) as r:
        assert r.read() == b"OK - 6"
    client.files_completeUploadExternal(files=[{"id": ticket["file_id"], "title": "Report"}])
    [file] = emu.files()
    assert (file.bytes, file.title, file.channel, file.filetype) == (b"report", "Report", None, "text")
