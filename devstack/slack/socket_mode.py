"""Slack's Socket Mode as the emulator speaks it: ``apps.connections.open`` and the WebSocket it points at.

Slack's protocol (api.slack.com/apis/socket-mode): the app calls ``apps.connections.open`` with an app-level token
(``xapp-``, scope ``connections:write``; a bot or user token is ``not_allowed_token_type``) and gets a one-time
``wss://…/link/?ticket=…&app_id=…`` URL. On that WebSocket Slack first sends ``{"type": "hello", …}``, then one
envelope per event — ``{"envelope_id", "type": "slash_commands" | "interactive" | "events_api", "payload",
"accepts_response_payload"}`` — and expects ``{"envelope_id": …}`` back (optionally with ``"payload"``) within 3 s.
Here the URL is ``ws://127.0.0.1:<port>/link/?ticket=…`` on the emulator's own HTTP server (RFC 6455 by hand: the
handshake, text/ping/pong/close frames). An envelope not acked in time is a refusal (``socket_mode`` /
``envelope_not_acked``), which a test's zero-refusals check sees; a slash command's ack payload is shown as Slack
shows it, through the command's response_url.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading
import time
import uuid
from typing import Any, Protocol

from devstack.slack.models import Refusal
from devstack.slack.responses import ResponseUrls
from devstack.slack.store import Store

APP_ID = "A0PERFBOT"
ACK_TIMEOUT_S = 3.0  # Slack's: an envelope not acked within 3 seconds counts as failed
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


class Readable(Protocol):
    def read(self, size: int, /) -> bytes | None: ...


class SocketClosed(ConnectionError):
    """The app closed the WebSocket (or the emulator stopped)."""


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()  # noqa: S324 — RFC 6455


def frame(opcode: int, payload: bytes) -> bytes:
    """A server frame: final, unmasked (RFC 6455 §5.1: a server never masks)."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


def read_frame(stream: Readable) -> tuple[int, bytes]:
    """One client frame (opcode, unmasked payload); a client must mask, so an unmasked frame closes the socket."""

    def exactly(n: int) -> bytes:
        data = stream.read(n)
        if data is None or len(data) < n:
            raise SocketClosed("connection closed")
        return data

    first, second = exactly(2)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", exactly(2))
    elif size == 127:
        (size,) = struct.unpack("!Q", exactly(8))
    if not second & 0x80:
        raise SocketClosed("unmasked client frame")
    mask = exactly(4)
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(exactly(size)))
    return first & 0x0F, payload


class Session:
    """One connected app: frames out under a lock (deliveries come from other threads), acks in."""

    def __init__(self, connection: Any, rfile: Readable, hub: SocketMode) -> None:
        self.connection = connection
        self.rfile = rfile
        self.hub = hub
        self.open = True
        self._send_lock = threading.Lock()

    def send(self, opcode: int, payload: bytes) -> None:
        with self._send_lock:
            self.connection.sendall(frame(opcode, payload))

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(TEXT, json.dumps(message).encode())

    def run(self) -> None:
        """Hello, then read until the app closes: pings answered, acks handed to the waiting delivery."""
        try:
            with self._send_lock:  # attached before hello (an app that has its hello can be sent envelopes), and
                self.hub.attach(self)  # no envelope overtakes the hello
                hello = {
                    "type": "hello",
                    "num_connections": self.hub.connected(),
                    "debug_info": {"host": "applink-emulator", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": APP_ID},
                }
                self.connection.sendall(frame(TEXT, json.dumps(hello).encode()))
            while self.open:
                opcode, payload = read_frame(self.rfile)
                if opcode == PING:
                    self.send(PONG, payload)
                elif opcode == CLOSE:
                    self.send(CLOSE, payload[:2])
                    break
                elif opcode == TEXT:
                    self.hub.acked(payload)
        except (SocketClosed, OSError):
            pass
        finally:
            self.open = False
            self.hub.detach(self)

    def close(self) -> None:
        """What Slack does before it drops a connection: a ``disconnect`` message, then the close frame."""
        if not self.open:
            return
        self.open = False
        try:
            self.send_json({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "emulator"}})
            self.send(CLOSE, struct.pack("!H", 1000))
        except OSError:
            pass


class SocketMode:
    """The app-level token, the one-time connection tickets, the connected sessions and the envelopes in flight."""

    def __init__(self, store: Store, responses: ResponseUrls, app_token: str) -> None:
        self.store = store
        self.responses = responses
        self.app_token = app_token
        self._lock = threading.Condition()
        self._tickets: set[str] = set()
        self._sessions: list[Session] = []
        self._acks: dict[str, dict[str, Any]] = {}

    # -- apps.connections.open ------------------------------------------------------------------------------
    def open_connection(self, token: Any) -> dict[str, Any]:
        """The answer to ``apps.connections.open``: only the app-level token opens a connection."""
        if not token:
            return {"ok": False, "error": "not_authed"}
        if not str(token).startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        ws_base = self.store.base_url.replace("http://", "ws://", 1)
        return {"ok": True, "url": f"{ws_base}link/?ticket={ticket}&app_id={APP_ID}"}

    def take_ticket(self, ticket: str) -> bool:
        """A ticket opens one connection, once."""
        with self._lock:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return True
            return False

    # -- sessions -------------------------------------------------------------------------------------------
    def attach(self, session: Session) -> None:
        with self._lock:
            self._sessions.append(session)
            self._lock.notify_all()

    def detach(self, session: Session) -> None:
        with self._lock:
            if session in self._sessions:
                self._sessions.remove(session)
            self._lock.notify_all()

    def connected(self) -> int:
        with self._lock:
            return len(self._sessions)

    def wait_connected(self, timeout: float = 5.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: bool(self._sessions), timeout=timeout)

    def close_all(self) -> None:
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()

    # -- envelopes ------------------------------------------------------------------------------------------
    def acked(self, raw: bytes) -> None:
        try:
            message = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self.store.refuse(Refusal("socket_mode", "invalid_ack", None, raw[:200].decode("utf-8", "replace")))
            return
        envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
        with self._lock:
            if envelope_id not in self._acks:
                self.store.refuse(Refusal("socket_mode", "unknown_envelope", None, str(message)[:200]))
                return
            self._acks[envelope_id] = message
            self._lock.notify_all()

    def deliver(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool) -> dict[str, Any]:
        """Send one envelope to a connected app and wait for its ack (Slack waits 3 s): the ack message, or a
        refusal (``envelope_not_acked`` / ``no_socket_connection``) and ``{}``."""
        channel = payload.get("channel_id") or (payload.get("channel") or {}).get("id")
        with self._lock:
            session = next((s for s in reversed(self._sessions) if s.open), None)
            if session is None:
                self.store.refuse(Refusal("socket_mode", "no_socket_connection", channel, kind))
                return {}
            envelope_id = str(uuid.uuid4())
            self._acks[envelope_id] = {}
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        try:
            session.send_json(envelope)
        except OSError:
            session.open = False
        deadline = time.monotonic() + ACK_TIMEOUT_S
        with self._lock:
            self._lock.wait_for(lambda: bool(self._acks[envelope_id]), timeout=max(0.0, deadline - time.monotonic()))
            ack = self._acks.pop(envelope_id)
        if not ack:
            self.store.refuse(Refusal("socket_mode", "envelope_not_acked", channel, f"{kind} {envelope_id}"))
        return ack

    def slash_command(self, payload: dict[str, str]) -> dict[str, Any]:
        """A ``slash_commands`` envelope; Slack shows the ack's payload as it shows an HTTP answer's body (the
        command's response, ephemeral unless it says otherwise)."""
        ack = self.deliver("slash_commands", payload, accepts_response_payload=True)
        answer = ack.get("payload")
        if isinstance(answer, dict) and answer:
            token = str(payload.get("response_url", "")).rpartition("/response/")[2]
            self.responses.post(token, json.dumps({"response_type": "ephemeral", **answer}).encode())
        return ack

    def interactive(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An ``interactive`` envelope (block_actions, view_submission…); only a view submission's ack may carry a
        ``response_action`` payload."""
        return self.deliver("interactive", payload, accepts_response_payload=payload.get("type") == "view_submission")

    def events_api(self, body: dict[str, Any]) -> dict[str, Any]:
        """An ``events_api`` envelope: the Events API's ``event_callback`` body, as it would be POSTed."""
        return self.deliver("events_api", body, accepts_response_payload=False)
