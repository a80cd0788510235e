"""The web channel: Flask on 127.0.0.1 (werkzeug's threaded server in a daemon thread), no front-end build.

GET  /                        → the first channel perfbot posts to
GET  /c/<channel>?as=<user>   a page per channel, as ``user`` sees it (their ephemeral messages included)
GET  /c/<channel>/feed        the messages as HTML; the page polls it (``X-Feed-Version``, 204 when unchanged);
                              the modal open for the user (views.open) comes with it, as a ``<template>``
GET  /files/<id>              an uploaded file's bytes (the graphs)
POST /api/click, /api/command a button click / a ``/perf …`` line → a signed request into handlers.slack.handler
POST /api/view-submit         the modal's fields → a signed ``view_submission``; ``errors`` when perfbot refused them
POST /api/view-close          Cancel: the modal goes (nothing is sent: perfbot's modals do not ask for view_closed)
"""

from __future__ import annotations

import hashlib
import html
import logging
import threading
from pathlib import Path
from typing import Any, Literal

from flask import Flask, Response, abort, jsonify, redirect, request
from werkzeug.serving import make_server

from devstack.web.actions import SlackClientActions, view_errors
from devstack.web.feed import ChannelFeed
from devstack.web.modal import form_values, modal_template

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


PEOPLE = (  # the demo's people: two approvers of the shipped perfbot.yml and one who is not
    ("U0APPROVER1", "alice", "Alice Approver"),
    ("U0APPROVER2", "carol", "Carol Approver"),
    ("U0BOB", "bob", "Bob Builder"),
)


def add_people(emulator: Any) -> None:
    """The demo's users, for a devstack started by hand (the user picker needs someone to be)."""
    known = {u.id for u in emulator.users()}
    for user_id, name, real_name in PEOPLE:
        if user_id not in known:
            emulator.add_user(user_id, name, real_name)


def answered(response: dict[str, Any]) -> str:
    """How perfbot answered, for the status line: the HTTP status, or whether the Socket Mode envelope was acked."""
    if "statusCode" in response:
        return f"HTTP {response['statusCode']}"
    return "with a Socket Mode ack" if response.get("envelope_id") else "nothing within 3 s (no Socket Mode ack)"


def create_app(stack: Any, default_user: str | None = None, transport: Literal["http", "socket"] = "http") -> Flask:
    app = Flask("perfbot-web-channel", static_folder=str(STATIC), static_url_path="/static")
    emu = stack.slack
    feed = ChannelFeed(emu)
    actions = SlackClientActions(stack, transport)
    lock = threading.Lock()  # one person at the keyboard: clicks and commands run one at a time, like the demo

    def people() -> list[Any]:
        return [u for u in emu.users() if not u.is_bot]

    def viewer() -> str:
        wanted = str(request.args.get("as") or default_user or "")
        ids = [u.id for u in people()]
        return wanted if wanted in ids else (ids[0] if ids else "U0NOBODY")

    @app.get("/")
    def index() -> Any:
        from devstack.stack import configured_channels

        names = [c.lstrip("#") for c in configured_channels()]
        channels = [c for c in emu.conversations() if not c.is_im]
        first = next((c for c in channels if c.name in names), channels[0] if channels else None)
        if first is None:
            abort(404)
        suffix = f"?as={request.args['as']}" if request.args.get("as") else ""
        return redirect(f"/c/{first.id}{suffix}")

    @app.get("/c/<channel>")
    def channel_page(channel: str) -> Any:
        channel_id = _channel(channel)
        user = viewer()
        content = feed.html(channel_id, user) + _modal(feed, emu, user)
        return Response(_page(emu, channel_id, user, people(), content, _version(content)), mimetype="text/html")

    @app.get("/c/<channel>/feed")
    def channel_feed(channel: str) -> Any:
        user = viewer()
        content = feed.html(_channel(channel), user) + _modal(feed, emu, user)
        version = _version(content)
        if request.args.get("since") == version:
            return Response(status=204, headers={"X-Feed-Version": version})
        return Response(content, mimetype="text/html", headers={"X-Feed-Version": version})

    _home_routes(app, stack, feed, actions, lock, viewer, people)
    _modal_routes(app, emu, actions, lock)

    @app.get("/files/<file_id>")
    def file(file_id: str) -> Any:
        found = [f for f in emu.files() if f.id == file_id]
        if not found:
            abort(404)
        return Response(found[0].bytes, mimetype=found[0].mimetype)

    @app.post("/api/click")
    def click() -> Any:
        data = request.get_json(force=True)
        with lock:
            response = actions.click(
                user=str(data["user"]),
                channel=str(data["channel"]),
                message_ts=str(data["ts"]),
                action_id=str(data["action_id"]),
                value=str(data.get("value", "")),
                block_id=str(data.get("block_id", "")),
                label=str(data.get("label", "")),
                ephemeral=bool(data.get("ephemeral")),
            )
        return jsonify(ok=True, status=answered(response))

    @app.post("/api/command")
    def command() -> Any:
        data = request.get_json(force=True)
        with lock:
            response = actions.slash(str(data.get("text", "")), user=str(data["user"]), channel=str(data["channel"]))
        return jsonify(ok=True, status=answered(response))

    def _channel(value: str) -> str:
        try:
            return str(emu.channel_id(value))
        except Exception:
            abort(404)

    return app


def _home_routes(
    app: Flask, stack: Any, feed: ChannelFeed, actions: SlackClientActions, lock: Any, viewer: Any, people: Any
) -> None:
    """The Home tab: opening it sends app_home_opened; its buttons are block_actions from a view."""
    emu = stack.slack

    @app.get("/home")
    def home_page() -> Any:
        user = viewer()
        with lock:
            actions.open_home(user)  # opening the tab is what makes perfbot publish it
        content = _home(feed, emu, user) + _modal(feed, emu, user)
        return Response(_page(emu, "", user, people(), content, _version(content)), mimetype="text/html")

    @app.get("/home/feed")
    def home_feed() -> Any:
        user = viewer()
        content = _home(feed, emu, user) + _modal(feed, emu, user)
        version = _version(content)
        if request.args.get("since") == version:
            return Response(status=204, headers={"X-Feed-Version": version})
        return Response(content, mimetype="text/html", headers={"X-Feed-Version": version})

    @app.post("/api/home-click")
    def home_click() -> Any:
        data = request.get_json(force=True)
        with lock:
            response = actions.click_in_home(
                user=str(data["user"]),
                action_id=str(data["action_id"]),
                value=str(data.get("value", "")),
                block_id=str(data.get("block_id", "")),
            )
        return jsonify(ok=True, status=answered(response))


def _modal_routes(app: Flask, emu: Any, actions: SlackClientActions, lock: Any) -> None:
    """The modal a click or command opened: submitted as Slack's view_submission, or closed. Only the modal open
    for ``user`` can be submitted or closed by them, as in the Slack client."""

    def open_view(data: dict[str, Any]) -> dict[str, Any]:
        view = emu.modal(str(data.get("user", "")))
        if view is None or view["id"] != data.get("view_id"):
            abort(Response('{"ok": false, "error": "that modal is not open"}', 409, mimetype="application/json"))
        return dict(view)

    @app.post("/api/view-submit")
    def view_submit() -> Any:
        data = request.get_json(force=True)
        with lock:
            view = open_view(data)
            try:
                values = form_values(view, data.get("values"))
            except ValueError as problem:
                return jsonify(ok=False, error=str(problem)), 400
            response = actions.submit_view(view, user=str(data["user"]), values=values)
            closed = (emu.modal(str(data["user"])) or {}).get("id") != view["id"]
        return jsonify(ok=True, status=answered(response), errors=view_errors(response), closed=closed)

    @app.post("/api/view-close")
    def view_close() -> Any:
        data = request.get_json(force=True)
        with lock:
            actions.close_view(open_view(data))
        return jsonify(ok=True, status="nothing: the modal closed (no view_closed without notify_on_close)")


def _modal(feed: ChannelFeed, emu: Any, user: str) -> str:
    """The modal open for ``user``, if any, as the template the page's script shows (part of the feed's version)."""
    view = emu.modal(user)
    return modal_template(view, feed.renderer) if view else ""


def _home(feed: ChannelFeed, emu: Any, user: str) -> str:
    view = emu.home_view(user)
    if view is None:
        return '<div class="empty">perfbot has not published a Home tab for you yet.</div>'
    blocks = feed.renderer.blocks(view["blocks"])
    return f'<div class="msg home" data-view-id="{html.escape(str(view["id"]))}">{blocks}</div>'


def _version(content: str) -> str:
    return hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest()[:16]


def _page(emu: Any, channel_id: str, user: str, people: list[Any], content: str, version: str) -> str:
    channels = [c for c in emu.conversations() if not c.is_im]
    nav = "".join(
        f'<a href="/c/{c.id}?as={user}" class="{"current" if c.id == channel_id else ""}">'
        f"{'🔒' if c.is_private else '#'} {html.escape(c.name)}</a>"
        for c in channels
    )
    options = "".join(
        f'<option value="{u.id}"{" selected" if u.id == user else ""}>'
        f"{html.escape(u.real_name)} (@{html.escape(u.name)})</option>"
        for u in people
    )
    name = html.escape(emu.channel_name(channel_id)) if channel_id else "Home"
    feed_url = f"/c/{channel_id}/feed" if channel_id else "/home/feed"
    home = f'<a href="/home?as={user}" class="{"" if channel_id else "current"}">🏠 Home</a>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>#{name} — perfbot web channel</title>
<link rel="stylesheet" href="/static/slack.css"></head>
<body data-channel="{channel_id}" data-user="{user}" data-feed-url="{feed_url}">
<nav><h1>perfbot-dev</h1>{home}{nav}<label for="user">Viewing as</label><select id="user">{options}</select></nav>
<main><header class="top">{"# " if channel_id else ""}{name}</header>
<div id="feed" data-version="{version}">{content}</div>
<form id="composer"><input id="command" autocomplete="off" placeholder="/perf help">
<button class="btn primary" type="submit">Send</button><span id="status"></span></form></main>
<dialog id="confirm"><form method="dialog"><div class="c-title"></div><div class="c-text"></div>
<menu><button class="btn c-deny" value="cancel"></button><button class="btn c-ok" value="confirm"></button></menu>
</form></dialog>
<dialog id="modal"><form id="modal-form"></form></dialog>
<script src="/static/channel.js"></script></body></html>"""


class WebChannel:
    """``WebChannel(stack).start()`` serves the web channel on ``url`` until ``stop()``."""

    def __init__(
        self,
        stack: Any,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        default_user: str | None = None,
        transport: Literal["http", "socket"] = "http",
    ):
        self.stack = stack
        self.transport = transport
        self.host = host
        self.port = port
        self.default_user = default_user
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> WebChannel:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per poll on the terminal
        self._server = make_server(
            self.host, self.port, create_app(self.stack, self.default_user, self.transport), threaded=True
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="web-channel", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> WebChannel:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
