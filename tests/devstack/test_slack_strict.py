"""The emulator refuses what Slack refuses: scopes from the manifest, channel IDs, visibility and membership.

Each test would pass against a lenient emulator only if the product were lucky; they pin the rules perfbot's code
must follow in a real workspace (see devstack/slack/membership.py and scopes.py).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from devstack.slack import SlackEmulator, SlackError
from devstack.slack.scopes import ALL_SCOPES, MANIFEST, METHOD_SCOPES, manifest_scopes
from devstack.slack.server import METHODS
from tests.devstack.slack_helpers import open_workspace, refused

ALICE, BOB = "U0ALICE001", "U0BOB00001"


@pytest.fixture(autouse=True)
def workspace(emu: SlackEmulator) -> None:
    open_workspace(emu, ["perf-alerts"])


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 8, 8) + b"\0" * 16


# -- scopes --------------------------------------------------------------------------------------------------


def test_the_token_has_exactly_the_manifests_scopes(tmp_path: Path) -> None:
    assert SlackEmulator().granted_scopes == manifest_scopes(MANIFEST)
    manifest = tmp_path / "manifest.yml"
    manifest.write_text("oauth_config:\n  scopes:\n    bot:\n      - commands # why\n      - chat:write\n")
    assert manifest_scopes(manifest) == {"commands", "chat:write"}
    assert SlackEmulator(scopes=["chat:write"]).granted_scopes == {"chat:write"}


def test_every_method_has_its_documented_scopes() -> None:
    assert set(METHODS) == set(METHOD_SCOPES) - {"api.test"}
    assert METHOD_SCOPES["chat.update"] == ("chat:write",)
    assert METHOD_SCOPES["usergroups.users.list"] == ("usergroups:read",)
    assert METHOD_SCOPES["views.open"] == METHOD_SCOPES["auth.test"] == ()


def test_missing_scope_names_needed_and_provided(client: WebClient, emu: SlackEmulator) -> None:
    emu.set_scopes(["commands", "chat:write"])
    answer = refused(emu, lambda: client.users_info(user=ALICE), "missing_scope")
    assert (answer["needed"], answer["provided"]) == ("users:read", "chat:write,commands")
    assert refused(emu, lambda: client.usergroups_users_list(usergroup="S0APPROVER"), "missing_scope")["needed"] == (
        "usergroups:read"
    )
    assert client.auth_test()["ok"] and client.chat_postMessage(channel="#perf-alerts", text="x")["ok"]


def test_conversations_list_needs_the_scope_of_each_type(client: WebClient, emu: SlackEmulator) -> None:
    emu.set_scopes(["channels:read"])
    assert client.conversations_list(types="public_channel")["ok"]
    answer = refused(emu, lambda: client.conversations_list(types="public_channel,private_channel"), "missing_scope")
    assert answer["needed"] == "groups:read"
    assert refused(emu, lambda: client.conversations_list(types="im"), "missing_scope")["needed"] == "im:read"


def test_conversations_info_needs_the_scope_of_the_channels_kind(client: WebClient, emu: SlackEmulator) -> None:
    private = emu.add_channel("strict-private-kind", is_private=True)
    emu.set_scopes(["channels:read"])
    assert client.conversations_info(channel=emu.channel_id("#perf-alerts"))["channel"]["name"] == "perf-alerts"
    assert refused(emu, lambda: client.conversations_info(channel=private), "missing_scope")["needed"] == "groups:read"


def test_scopes_used_are_what_the_calls_needed(client: WebClient, emu: SlackEmulator) -> None:
    outside = emu.add_channel("strict-outside-used", bot_member=False)
    private = emu.add_channel("strict-private-used", is_private=True)
    client.auth_test()
    client.chat_postMessage(channel="#perf-alerts", text="member")
    client.conversations_list(types="public_channel,private_channel")
    client.conversations_info(channel=private)
    assert emu.scopes_used() == {"chat:write", "channels:read", "groups:read"}
    client.chat_postMessage(channel=outside, text="not a member")
    emu.set_scopes(["chat:write"])
    refused(emu, lambda: client.users_info(user=ALICE), "missing_scope")  # refused calls count too
    assert emu.scopes_used() == {"chat:write", "channels:read", "groups:read", "chat:write.public", "users:read"}
    emu.reset()
    assert emu.scopes_used() == set() and "chat:write.public" in emu.scopes_used(since_start=True)


# -- channel IDs ---------------------------------------------------------------------------------------------

BY_ID_ONLY: dict[str, Any] = {
    "chat_update": lambda c, ch, ts: c.chat_update(channel=ch, ts=ts, text="edit"),
    "chat_delete": lambda c, ch, ts: c.chat_delete(channel=ch, ts=ts),
    "chat_getPermalink": lambda c, ch, ts: c.chat_getPermalink(channel=ch, message_ts=ts),
    "reactions_add": lambda c, ch, ts: c.reactions_add(channel=ch, timestamp=ts, name="eyes"),
    "conversations_info": lambda c, ch, ts: c.conversations_info(channel=ch),
    "conversations_history": lambda c, ch, ts: c.conversations_history(channel=ch),
    "conversations_replies": lambda c, ch, ts: c.conversations_replies(channel=ch, ts=ts),
}


@pytest.mark.parametrize("name", ["#perf-alerts", "perf-alerts"])
@pytest.mark.parametrize("method", BY_ID_ONLY)
def test_methods_other_than_posting_refuse_channel_names(
    client: WebClient, emu: SlackEmulator, method: str, name: str
) -> None:
    posted = client.chat_postMessage(channel=name, text="alarm")
    call = BY_ID_ONLY[method]
    refused(emu, lambda: call(client, name, posted["ts"]), "channel_not_found")
    assert call(client, posted["channel"], posted["ts"])["ok"]
    assert [(r.channel, r.error) for r in emu.refusals] == [(name, "channel_not_found")]


def test_upload_completion_wants_an_id_matching_slacks_pattern(client: WebClient, emu: SlackEmulator) -> None:
    ticket = client.files_getUploadURLExternal(filename="graph.png", length=len(png()))
    WebhookClient(ticket["upload_url"]).send_dict({})  # any POST body counts as the upload here
    answer = refused(
        emu,
        lambda: client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id="perf-alerts"),
        "invalid_arguments",
    )
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]"
    ]
    missing = lambda: client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}], channel_id="C0NOTHERE01")  # noqa: E731
    refused(emu, missing, "channel_not_found")


def test_posting_answers_with_the_id_and_creates_no_channel(client: WebClient, emu: SlackEmulator) -> None:
    answer = client.chat_postMessage(channel="#perf-alerts", text="x")
    assert answer["channel"] == emu.channel_id("perf-alerts") and answer["channel"].startswith("C")
    refused(emu, lambda: client.chat_postMessage(channel="#never-created", text="x"), "channel_not_found")
    refused(emu, lambda: client.chat_postMessage(channel="C0NOTHERE01", text="x"), "channel_not_found")
    with pytest.raises(SlackError):
        emu.channel_id("#never-created")


def test_a_user_id_posts_into_the_bots_dm(client: WebClient, emu: SlackEmulator) -> None:
    answer = client.chat_postMessage(channel=ALICE, text="psst")
    assert answer["channel"].startswith("D") and answer["channel"] == emu.channel_id(ALICE)
    assert client.conversations_info(channel=answer["channel"])["channel"]["user"] == ALICE
    refused(emu, lambda: client.chat_update(channel=ALICE, ts=answer["ts"], text="x"), "channel_not_found")


# -- membership ----------------------------------------------------------------------------------------------


def test_public_channel_without_the_bot_needs_chat_write_public(client: WebClient, emu: SlackEmulator) -> None:
    outside = emu.add_channel("strict-outside", bot_member=False)
    posted = client.chat_postMessage(channel="#strict-outside", text="with chat:write.public")
    assert client.chat_update(channel=outside, ts=posted["ts"], text="edited")["ok"]
    emu.set_scopes(ALL_SCOPES - {"chat:write.public"})
    refused(emu, lambda: client.chat_postMessage(channel=outside, text="x"), "not_in_channel")
    refused(emu, lambda: client.chat_update(channel=outside, ts=posted["ts"], text="x"), "not_in_channel")
    refused(emu, lambda: client.chat_postEphemeral(channel=outside, user=ALICE, text="x"), "not_in_channel")
    emu.invite_bot(outside)
    assert client.chat_postMessage(channel=outside, text="invited")["ok"]


def test_private_channel_without_the_bot_does_not_exist_for_it(client: WebClient, emu: SlackEmulator) -> None:
    secret = emu.add_channel("strict-secret", is_private=True, bot_member=False, members=[ALICE])
    refused(emu, lambda: client.chat_postMessage(channel="#strict-secret", text="x"), "channel_not_found")
    refused(emu, lambda: client.chat_postMessage(channel=secret, text="x"), "channel_not_found")
    refused(emu, lambda: client.conversations_info(channel=secret), "channel_not_found")
    emu.invite_bot("#strict-secret")
    posted = client.chat_postMessage(channel="#strict-secret", text="invited")
    assert posted["channel"] == secret
    assert client.conversations_info(channel=secret)["channel"]["is_private"] is True
    refused(emu, lambda: client.chat_postEphemeral(channel=secret, user=BOB, text="x"), "user_not_in_channel")
    emu.remove_bot(secret)
    refused(emu, lambda: client.chat_update(channel=secret, ts=posted["ts"], text="x"), "channel_not_found")


def test_a_dm_between_two_users_is_closed_to_the_bot(client: WebClient, emu: SlackEmulator) -> None:
    dm = emu.add_dm(ALICE, BOB)
    assert dm.startswith("D")
    refused(emu, lambda: client.chat_postMessage(channel=dm, text="x"), "channel_not_found")
    refused(emu, lambda: client.conversations_info(channel=dm), "channel_not_found")


def test_uploads_need_membership_even_with_chat_write_public(client: WebClient, emu: SlackEmulator) -> None:
    outside = emu.add_channel("strict-outside-files", bot_member=False)
    assert client.chat_postMessage(channel=outside, text="the post itself works")["ok"]
    refused(emu, lambda: client.files_upload_v2(channel=outside, content=png(), filename="g.png"), "not_in_channel")
    emu.invite_bot(outside)
    assert client.files_upload_v2(channel=outside, content=png(), filename="g.png")["ok"]


@pytest.mark.parametrize("where", ["private", "dm"])
def test_response_url_needs_no_membership_and_no_scope(emu: SlackEmulator, where: str) -> None:
    channel = (
        emu.add_channel("strict-private-answers", is_private=True, bot_member=False, members=[ALICE])
        if where == "private"
        else emu.add_dm(ALICE, BOB)
    )
    emu.set_scopes(["commands"])
    hook = WebhookClient(emu.response_url(channel, ALICE))
    assert hook.send(text="only you").body == "ok"
    assert hook.send(text="everyone", response_type="in_channel").body == "ok"
    assert [m.text for m in emu.ephemerals(channel, ALICE)] == ["only you"]
    assert [m.text for m in emu.messages(channel)] == ["everyone"]
    assert emu.refusals == []


# -- conversations.list --------------------------------------------------------------------------------------


def test_conversations_list_shows_public_channels_and_only_the_bots_private_ones(
    client: WebClient, emu: SlackEmulator
) -> None:
    emu.add_channel("strict-list-out", bot_member=False)
    emu.add_channel("strict-list-mine", is_private=True)
    emu.add_channel("strict-list-theirs", is_private=True, bot_member=False)
    channels = client.conversations_list(types="public_channel,private_channel", limit=1000)["channels"]
    by_name = {c["name"]: c for c in channels}
    assert by_name["strict-list-out"]["is_member"] is False and by_name["perf-alerts"]["is_member"] is True
    assert by_name["strict-list-mine"]["is_private"] is True
    assert "strict-list-theirs" not in by_name
    public_only = client.conversations_list()["channels"]
    assert not any(c["is_private"] for c in public_only)


def test_conversations_list_pages_with_cursors(client: WebClient, emu: SlackEmulator) -> None:
    for i in range(5):
        emu.add_channel(f"strict-page-{i}")
    expected = {c["id"] for c in client.conversations_list(limit=1000)["channels"]}
    first = client.conversations_list(limit=2)
    assert len(first["channels"]) == 2 and first["response_metadata"]["next_cursor"]
    pages = [(p["channels"], p["response_metadata"]["next_cursor"]) for p in client.conversations_list(limit=2)]
    assert all(len(channels) == 2 and cursor for channels, cursor in pages[:-1])  # slack_sdk followed the cursors
    assert pages[-1][1] == ""
    assert {c["id"] for channels, _ in pages for c in channels} == expected and len(expected) >= 6
    refused(emu, lambda: client.conversations_list(cursor="bm90IGEgY3Vyc29y"), "invalid_cursor")
    refused(emu, lambda: client.conversations_list(types="public_channel,nonsense"), "invalid_types")
