"""The emulator's Socket Mode as strict as Slack's: only the app-level token opens a connection, a ticket opens one
WebSocket once, hello comes first, pings are answered, and an envelope not acked within 3 s is a refusal."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlparse

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from devstack.slack import SlackEmulator
from devstack.slack.socket_mode import CLOSE, PING, PONG, TEXT, accept_key


class RawClient:
    """A minimal RFC 6455 client: enough to see exactly what the emulator sends and to stay silent on purpose."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {parsed.path}?{parsed.query} HTTP/1.1\r\nHost: {parsed.hostname}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.stream = self.sock.makefile("rb")
        self.status = int(self.stream.readline().split()[1])
        headers = {}
        for line in iter(self.stream.readline, b"\r\n"):
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        self.accepted = headers.get("sec-websocket-accept") == accept_key(key)

    def send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload)) + mask + masked)

    def receive(self) -> tuple[int, bytes]:
        first, second = self.stream.read(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self.stream.read(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self.stream.read(8))
        assert not second & 0x80, "a server never masks"
        return first & 0x0F, self.stream.read(size)

    def receive_json(self) -> dict[str, Any]:
        opcode, payload = self.receive()
        assert opcode == TEXT
        return dict(json.loads(payload))

    def close(self) -> None:
        self.sock.close()


def open_url(emu: SlackEmulator, token: str | None = None) -> str:
    return str(WebClient(base_url=emu.api_url).apps_connections_open(app_token=token or emu.app_token)["url"])


def test_only_the_app_level_token_opens_a_connection(emu: SlackEmulator) -> None:
    emu.expect_refusal("apps.connections.open")
    for token, error in ((emu.bot_token, "not_allowed_token_type"), ("xapp-1-A0X-1-unknown", "invalid_auth")):
        with pytest.raises(SlackApiError) as info:
            open_url(emu, token)
        assert info.value.response["error"] == error
    assert [r.error for r in emu.refusals] == ["not_allowed_token_type", "invalid_auth"]
    url = open_url(emu)
    assert url.startswith(emu.base_url.replace("http://", "ws://") + "link/?ticket=")


def test_hello_first_pings_answered_and_a_ticket_opens_once(emu: SlackEmulator) -> None:
    url = open_url(emu)
    client = RawClient(url)
    try:
        assert client.status == 101 and client.accepted
        hello = client.receive_json()
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == "A0PERFBOT"
        client.send(PING, b"session:1")
        assert client.receive() == (PONG, b"session:1")
        emu.expect_refusal("socket_mode", "invalid_ticket")
        assert RawClient(url).status == 401  # the same URL again: its ticket is spent
    finally:
        client.send(CLOSE, struct.pack("!H", 1000))
        client.close()


def test_an_acked_envelope_returns_the_ack_and_a_silent_app_is_a_refusal(emu: SlackEmulator) -> None:
    client = RawClient(open_url(emu))
    try:
        client.receive_json()  # hello
        assert emu.socket_mode.wait_connected()
        payload = {"command": "/perf", "text": "help", "channel_id": "C0X", "response_url": ""}
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(emu.socket_mode.slash_command, payload)
            envelope = client.receive_json()
            assert envelope["type"] == "slash_commands" and envelope["payload"] == payload
            assert envelope["accepts_response_payload"] is True
            client.send(TEXT, json.dumps({"envelope_id": envelope["envelope_id"]}).encode())
            assert pending.result() == {"envelope_id": envelope["envelope_id"]}
        assert not emu.refusals

        emu.expect_refusal("socket_mode", "envelope_not_acked")
        assert emu.socket_mode.interactive({"type": "block_actions", "channel": {"id": "C0X"}}) == {}
        [refusal] = emu.refusals
        assert (refusal.method, refusal.error, refusal.channel) == ("socket_mode", "envelope_not_acked", "C0X")
        assert client.receive_json()["type"] == "interactive"  # it was delivered; the app just never acked
    finally:
        client.close()


def test_an_envelope_with_no_app_connected_is_a_refusal(emu: SlackEmulator) -> None:
    emu.expect_refusal("socket_mode", "no_socket_connection")
    assert emu.wait_for(lambda: emu.socket_mode.connected() == 0)  # an earlier test's client is gone
    assert emu.socket_mode.events_api({"type": "event_callback", "event": {}}) == {}
    assert [r.error for r in emu.refusals] == ["no_socket_connection"]
