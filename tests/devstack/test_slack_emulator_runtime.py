"""The Slack emulator under load: 429s and retry handlers, the channel limiter, threads, transcript, Bolt."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from datetime import datetime
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from devstack.slack import SlackEmulator
from devstack.slack.scopes import ALL_SCOPES
from devstack.stack import LOCAL_BOT_TOKEN as TOKEN
from tests.devstack.slack_helpers import open_workspace

CHANNELS = ("r", "busy", "quiet", "log", "load", "lazy", "bolt")


@pytest.fixture(autouse=True)
def workspace(emu: SlackEmulator) -> None:
    open_workspace(emu, CHANNELS)


# -- rate limits ---------------------------------------------------------------------------------------------


def test_scripted_429_without_a_retry_handler(client: WebClient, emu: SlackEmulator) -> None:
    emu.rate_limit("chat.postMessage", times=1, retry_after=7)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="#r", text="x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7"
    assert info.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="#r", text="second try")["ok"] is True
    assert emu.rate_limited["chat.postMessage"] == 1


def test_retry_handler_succeeds_after_one_429(emu: SlackEmulator) -> None:
    client = WebClient(
        token=TOKEN, base_url=emu.api_url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    emu.rate_limit("chat.postMessage", times=1, retry_after=0)
    assert client.chat_postMessage(channel="#r", text="eventually")["ok"] is True
    assert emu.calls["chat.postMessage"] == 2
    assert emu.rate_limited["chat.postMessage"] == 1
    assert [m.text for m in emu.messages("#r")] == ["eventually"]


def test_rate_limit_is_per_method(client: WebClient, emu: SlackEmulator) -> None:
    emu.rate_limit("chat.update", times=2)
    assert client.chat_postMessage(channel="#r", text="not limited")["ok"] is True


def test_channel_limiter_refuses_bursts_per_channel(client: WebClient, emu: SlackEmulator) -> None:
    emu.enforce_channel_rate(per_second=1, burst=2)
    client.chat_postMessage(channel="#busy", text="1")
    client.chat_postMessage(channel="#busy", text="2")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="#busy", text="3")
    assert info.value.response.status_code == 429
    assert int(info.value.response.headers["Retry-After"]) >= 1
    assert client.chat_postMessage(channel="#quiet", text="other channel")["ok"] is True
    emu.enforce_channel_rate(per_second=None)
    assert client.chat_postMessage(channel="#busy", text="4")["ok"] is True


def test_call_log_records_method_time_and_channel(client: WebClient, emu: SlackEmulator) -> None:
    before = time.monotonic()
    client.auth_test()
    client.chat_postMessage(channel="#log", text="x")
    (m1, t1, c1, s1), (m2, t2, c2, s2) = emu.call_log
    assert (m1, c1, s1) == ("auth.test", None, frozenset())
    assert (m2, c2, s2) == ("chat.postMessage", emu.channel_id("#log"), {"chat:write"})
    assert before <= t1 <= t2 <= time.monotonic()


# -- concurrency ---------------------------------------------------------------------------------------------


def test_concurrent_posts_from_many_threads(emu: SlackEmulator) -> None:
    errors: list[Exception] = []

    def worker(n: int) -> None:
        local = WebClient(token=TOKEN, base_url=emu.api_url)
        try:
            parent = local.chat_postMessage(channel="#load", text=f"w{n}")
            for i in range(25):
                local.chat_postMessage(channel="#load", text=f"w{n}-{i}", thread_ts=parent["ts"])
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    top = emu.messages("#load")
    assert len(top) == 8
    assert all(m.reply_count == 25 for m in top)
    stamps = [m.ts for m in top] + [r.ts for m in top for r in emu.replies("#load", m.ts)]
    assert len(set(stamps)) == 8 * 26
    assert emu.calls["chat.postMessage"] == 8 * 26


def test_wait_for_sees_work_done_on_another_thread(client: WebClient, emu: SlackEmulator) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="#lazy", text="done"))
    timer.start()
    assert emu.wait_for(lambda: len(emu.messages("#lazy")) == 1, timeout=5)
    assert emu.wait_for(lambda: False, timeout=0.05) is False
    timer.join()


# -- transcript ----------------------------------------------------------------------------------------------


def test_transcript_reads_like_the_channel() -> None:
    start = 1764180723.0
    with SlackEmulator(bot_token=TOKEN, clock=lambda: start, scopes=ALL_SCOPES) as emu:
        emu.add_user("U0ALICE001", "alice", "Alice Admin")
        emu.add_channel("perf-alerts")
        client = WebClient(token=TOKEN, base_url=emu.api_url)
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": ":red_circle: API p95 latency 812 ms"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Target* 500 ms, ask <@U0ALICE001>"}},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Approve"}, "action_id": "a"},
                    {"type": "button", "text": {"type": "plain_text", "text": "Reject"}, "action_id": "r"},
                ],
            },
        ]
        card = client.chat_postMessage(channel="#perf-alerts", text="API latency high", blocks=blocks)
        client.files_upload_v2(
            channel=card["channel"],
            content=b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x04\0\0\0\x01\x90",
            filename="graph.png",
            thread_ts=card["ts"],
        )
        client.chat_postMessage(channel=card["channel"], text="Still firing", thread_ts=card["ts"])
        client.chat_update(channel=card["channel"], ts=card["ts"], text="resolved", blocks=blocks)
        client.chat_postEphemeral(channel=card["channel"], user="U0ALICE001", text="Only approvers can apply.")
        text = emu.transcript("#perf-alerts")
        assert emu.transcript() == text
    clock = datetime.fromtimestamp(start).strftime("%H:%M:%S")
    lines = text.splitlines()
    assert lines[0].startswith("── #perf-alerts ")
    assert lines[1] == f"[#perf-alerts {clock}] perfbot: (edited)"
    assert lines[2:5] == ["  🔴 API p95 latency 812 ms", "  Target 500 ms, ask @alice", "  [ Approve ] [ Reject ]"]
    assert re.fullmatch(rf"  ↳ \[{clock}\] perfbot:", lines[5])
    assert lines[6] == "      (file: graph.png 1024x400 PNG)"
    assert lines[8] == "      Still firing"
    assert lines[9] == f"[#perf-alerts {clock}] perfbot: (only visible to @alice)"
    assert lines[10] == "  Only approvers can apply."


# -- Bolt ----------------------------------------------------------------------------------------------------


def test_bolt_app_starts_against_the_emulator(emu: SlackEmulator) -> None:
    app = App(signing_secret="secret", client=WebClient(token=TOKEN, base_url=emu.api_url))
    assert app.client.chat_postMessage(channel="#bolt", text="hello from bolt")["ok"] is True
    assert emu.calls["auth.test"] == 1
    assert emu.messages("#bolt")[0].text == "hello from bolt"


def test_api_url_is_known_before_start_and_stop_is_idempotent() -> None:
    emu = SlackEmulator(bot_token=TOKEN)
    url = emu.api_url
    assert url.startswith("http://127.0.0.1:") and url.endswith("/api/")
    emu.start()
    try:
        assert WebClient(token=TOKEN, base_url=url).auth_test()["ok"] is True
    finally:
        emu.stop()
        emu.stop()


def test_get_with_query_string_and_direct_messages(emu: SlackEmulator) -> None:
    query = f"token={TOKEN}&user=U0ALICE001"
    with urllib.request.urlopen(f"{emu.api_url}users.info?{query}") as response:
        assert json.loads(response.read())["user"]["name"] == "alice"
    client = WebClient(token=TOKEN, base_url=emu.api_url)
    dm = client.chat_postMessage(channel="U0ALICE001", text="psst")
    assert dm["channel"].startswith("D")
    assert client.conversations_info(channel=dm["channel"])["channel"]["is_im"] is True
    assert emu.messages("C0NEVERMADE") == []
