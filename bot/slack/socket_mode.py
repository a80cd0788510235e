"""The perfbot Bolt app over Socket Mode: Slack delivers commands and clicks on a WebSocket the app opens, so a team
can try perfbot in its own workspace with no public request URL (``python -m bot socket``).

The app is :func:`bot.slack.app.build_app`'s, listeners and all. Only the transport differs: no signature to verify
(the WebSocket is authenticated by the app-level token), and lazy listeners run on Bolt's default thread runner in
this process instead of re-invoking a Lambda function.
"""

from __future__ import annotations

import os

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.slack import messages
from bot.slack.app import build_app, slack_client

APP_TOKEN_PREFIX = "xapp-"  # noqa: S105 — a prefix, not a token


class SocketModeError(RuntimeError):
    """Socket Mode cannot start: a missing or wrong token, or Slack refused the connection."""


def app_token(value: str | None = None) -> str:
    """``SLACK_APP_TOKEN`` (or ``value``), checked: an app-level token, not a bot or user token."""
    token = (value if value is not None else os.environ.get("SLACK_APP_TOKEN", "")).strip()
    if not token:
        raise SocketModeError(messages.socket_token_missing())
    if not token.startswith(APP_TOKEN_PREFIX):
        raise SocketModeError(messages.socket_token_wrong_type(token.split("-", 1)[0] + "-"))
    return token


def check_bot_token() -> None:
    if not os.environ.get("SLACK_BOT_TOKEN"):
        raise SocketModeError(messages.socket_bot_token_missing())


def build_socket_app() -> App:
    """The Lambda's app for Socket Mode: the same listeners; Bolt's thread runner for lazy work (its default).
    ``process_before_response`` stays on: the ack listeners are quick, and Bolt acks when ``dispatch`` returns."""
    check_bot_token()
    return build_app(client=slack_client(), signing_secret="", request_verification=False)


def connect(token: str | None = None, app: App | None = None) -> SocketModeHandler:
    """Open the Socket Mode connection (``apps.connections.open``, then the WebSocket) and return its handler;
    ``handler.close()`` ends it."""
    handler = SocketModeHandler(app or build_socket_app(), app_token(token))
    try:
        handler.connect()
    except SlackApiError as exc:
        handler.close()
        raise SocketModeError(messages.socket_refused(str(exc.response.get("error", exc)))) from exc
    return handler
