"""The HTTP side: a stdlib ``ThreadingHTTPServer`` on 127.0.0.1 speaking Slack's Web API wire format.

Routes: ``/api/<method>`` (form, JSON, multipart or query-string arguments; token in ``Authorization: Bearer``
or a ``token`` argument), ``/upload/v1/<file_id>`` (files v2 byte upload), ``/response/<token>`` (response_url),
``/files/<id>/<name>`` (url_private) and ``/link/?ticket=…`` (Socket Mode's WebSocket, ``socket_mode``). No
framework, no logging per request: benchmarks push thousands of messages through it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from devstack import faults, latency
from devstack.slack import membership
from devstack.slack.api_chat import CHAT_METHODS
from devstack.slack.api_conversations import CONVERSATION_METHODS
from devstack.slack.api_views import VIEW_METHODS
from devstack.slack.api_workspace import WORKSPACE_METHODS
from devstack.slack.files import FILE_METHODS, receive_upload
from devstack.slack.models import Call, Refusal
from devstack.slack.responses import ResponseUrls
from devstack.slack.socket_mode import Session, SocketMode, accept_key
from devstack.slack.store import SlackError, Store

log = logging.getLogger(__name__)

Handler = Callable[[Store, dict[str, Any]], dict[str, Any]]
METHODS: dict[str, Handler] = {
    **CHAT_METHODS,
    **CONVERSATION_METHODS,
    **WORKSPACE_METHODS,
    **FILE_METHODS,
    **VIEW_METHODS,
}
JSON_TYPE = "application/json; charset=utf-8"


class BadRequest(ValueError):
    """The body cannot be parsed for its declared content type."""


def parse_arguments(content_type: str, body: bytes, query: str) -> dict[str, Any]:
    """Arguments from the query string and a form, JSON or multipart body (body wins)."""
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return args
    if kind == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadRequest("invalid_json") from exc
        if not isinstance(data, dict):
            raise BadRequest("invalid_json")
        args.update(data)
    elif kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            if part.get_filename():
                args[name] = payload
                args.setdefault("filename", part.get_filename())
            else:
                args[name] = payload.decode("utf-8", "replace")
    else:
        args.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    return args


def error_body(exc: SlackError) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error": exc.code}
    if exc.messages:
        if exc.code == "invalid_blocks":
            body["errors"] = [m.removeprefix("[ERROR] ") for m in exc.messages]
        body["response_metadata"] = {"messages": list(exc.messages)}
    return body


class Dispatcher:
    """Turns one HTTP request into (status, headers, body). Knows nothing about sockets.

    Order of checks, as Slack answers: method known → token → rate limit (429) → scopes (``missing_scope``) →
    channel and membership (``membership.check``) → the method's own arguments. Every refusal is logged."""

    def __init__(self, store: Store, app_token: str) -> None:
        self.store = store
        self.responses = ResponseUrls(store)
        self.socket_mode = SocketMode(store, self.responses, app_token)

    @staticmethod
    def _token(auth_header: str, args: dict[str, Any]) -> Any:
        return auth_header[7:].strip() if auth_header.lower().startswith("bearer ") else args.get("token")

    def _authed(self, auth_header: str, args: dict[str, Any]) -> str | None:
        """``None`` when the bot token is presented, else the Slack error code."""
        token = self._token(auth_header, args)
        if not token:
            return "not_authed"
        return None if token == self.store.bot_token else "invalid_auth"

    def _refused(self, method: str, channel: str | None, body: dict[str, Any], detail: str = "") -> dict[str, Any]:
        if not detail and body.get("needed"):
            detail = f"needed={body['needed']} provided={body.get('provided', '')}"
        elif not detail:
            detail = "; ".join(body.get("response_metadata", {}).get("messages", []))
        self.store.refuse(Refusal(method, str(body.get("error")), channel, detail))
        return body

    def api(self, method: str, auth_header: str, args: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        """(HTTP status, extra headers, JSON body) for one Web API call."""
        at = time.monotonic()
        raw = args.get("channel") or args.get("channel_id")
        raw_channel = raw if isinstance(raw, str) and raw else None
        if method == "api.test":  # needs no token
            self.store.record(Call(method, at, raw_channel))
            return 200, {}, self._api_test(raw_channel, args)
        if method == "apps.connections.open":  # the app-level token's one method (Socket Mode)
            self.store.record(Call(method, at, None))
            body = self.socket_mode.open_connection(self._token(auth_header, args))
            return 200, {}, body if body["ok"] else self._refused(method, None, body)
        handler = METHODS.get(method)
        refusal = "unknown_method" if handler is None else self._authed(auth_header, args)
        if refusal or handler is None:
            self.store.record(Call(method, at, raw_channel))
            return 200, {}, self._refused(method, raw_channel, {"ok": False, "error": refusal})
        with self.store.lock:
            granted = self.store.granted
        access = membership.check(self.store, granted, method, args)
        channel = access.channel.id if access.channel else raw_channel
        self.store.record(Call(method, at, channel, access.scopes))
        retry_after = self.store.throttle(method, channel, str(self._token(auth_header, args)))
        if retry_after is not None:
            body = {"ok": False, "error": "ratelimited"}
            self._refused(method, channel, body, f"Retry-After={retry_after}")
            return 429, {"Retry-After": str(retry_after)}, body
        if access.error is not None:
            body = error_body(access.error) | access.extra
        else:
            try:
                body = {"ok": True, **handler(self.store, access.args)}
            except SlackError as exc:
                body = error_body(exc)
        return 200, {}, body if body["ok"] else self._refused(method, channel, body)

    def _api_test(self, channel: str | None, args: dict[str, Any]) -> dict[str, Any]:
        echo = {k: v for k, v in args.items() if k != "token"}
        error = args.get("error")
        if isinstance(error, str) and error:
            return self._refused("api.test", channel, {"ok": False, "error": error, "args": echo})
        return {"ok": True, "args": echo}

    def download(self, path: str, auth_header: str) -> tuple[int, str, bytes]:
        if self._authed(auth_header, {}) is not None:
            self.store.refuse(Refusal("download", "invalid_auth", None, "HTTP 403"))
            return 403, "text/plain", b"invalid_auth"
        file_id = path.split("/", 1)[0]
        with self.store.lock:
            file = self.store.files.get(file_id)
            if file is None or not file.uploaded:
                self.store.refuse(Refusal("download", "file_not_found", None, f"HTTP 404 {file_id}"))
                return 404, "text/plain", b"file_not_found"
            return 200, file.mimetype, file.bytes


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SlackHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging: it would dominate benchmark time."""

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response_only(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/link/") and self.headers.get("Upgrade", "").lower() == "websocket":
            self._websocket()
            return
        self._route()

    def _websocket(self) -> None:
        """Socket Mode's WebSocket: a one-time ticket from apps.connections.open, RFC 6455's handshake, then the
        session runs in this request's thread until the app closes it."""
        socket_mode = self.server.dispatcher.socket_mode
        ticket = dict(parse_qsl(self.path.partition("?")[2])).get("ticket", "")
        key = self.headers.get("Sec-WebSocket-Key", "")
        if not key or not socket_mode.take_ticket(ticket):
            self.server.dispatcher.store.refuse(Refusal("socket_mode", "invalid_ticket", None, "HTTP 401"))
            self._send(401, "text/plain; charset=utf-8", b"invalid_ticket")
            return
        self.send_response_only(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_key(key))
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        Session(self.connection, self.rfile, socket_mode).run()

    def do_POST(self) -> None:
        self._route()

    def do_DELETE(self) -> None:
        self._route()

    def _api(self, path: str, query: str, auth: str, body: bytes) -> None:
        """One Web API call: parsed as Slack parses it, answered by the dispatcher unless a fault is injected."""
        dispatcher = self.server.dispatcher
        try:
            args = parse_arguments(self.headers.get("Content-Type", ""), body, query)
        except BadRequest as exc:
            payload: Any = {"ok": False, "error": str(exc)}
            dispatcher.store.refuse(Refusal(unquote(path[5:]), str(exc), None, "unparsable body"))
            self._send(200, JSON_TYPE, json.dumps(payload).encode())
            return
        method = unquote(path[5:])
        fault = faults.FAULTS.slack_fault(method, args)  # injected failures: not perfbot's refusals
        if fault is not None and fault.mode != "reset_after_success":
            status, headers, payload = faults.slack_answer(fault)
        else:
            status, headers, payload = dispatcher.api(method, auth, args)
        if fault is not None and fault.mode == "reset_after_success":
            faults.drop(self.connection)
            self.close_connection = True
            return
        self._send(status, JSON_TYPE, json.dumps(payload).encode(), headers)

    def _route(self) -> None:
        dispatcher = self.server.dispatcher
        path, _, query = self.path.partition("?")
        auth = self.headers.get("Authorization", "")
        if path.startswith("/api/"):
            latency.delay("slack")  # the latency model (devstack/latency.py); no delay unless configured
        try:
            body = self._body()
            if path.startswith("/api/"):
                self._api(path, query, auth, body)
            elif path == faults.CONTROL_PATH:
                status, answer = faults.FAULTS.control(self.command, body)
                self._send(status, JSON_TYPE, json.dumps(answer).encode())
            elif path.startswith("/upload/v1/"):
                upload = body
                if self.headers.get("Content-Type", "").startswith("multipart/form-data"):
                    parts = parse_arguments(self.headers["Content-Type"], body, "")
                    upload = next((v for v in parts.values() if isinstance(v, bytes)), b"")
                status, text = receive_upload(dispatcher.store, path[len("/upload/v1/") :], upload)
                self._send(status, "text/plain; charset=utf-8", text.encode())
            elif path.startswith("/response/"):
                status, text = dispatcher.responses.post(path[len("/response/") :], body)
                self._send(status, "text/plain; charset=utf-8", text.encode())
            elif path.startswith("/files/"):
                status, content_type, data = dispatcher.download(path[len("/files/") :], auth)
                self._send(status, content_type, data)
            else:
                self._send(404, "text/plain; charset=utf-8", b"not_found")
        except Exception:
            log.exception("Slack emulator failed on %s", path)
            self._send(500, JSON_TYPE, b'{"ok": false, "error": "internal_error"}')


class SlackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        super().__init__(address, _RequestHandler)

    def shutdown(self) -> None:
        self.dispatcher.socket_mode.close_all()  # Socket Mode sessions live in request threads: end them too
        super().shutdown()
