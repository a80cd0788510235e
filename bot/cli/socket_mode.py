"""socket: perfbot's Bolt app over Socket Mode, so a team can try it in its own workspace before deploying.

``SLACK_APP_TOKEN`` (xapp-, connections:write) opens the WebSocket, ``SLACK_BOT_TOKEN`` (xoxb-) answers. AWS is the
devstack's embedded one by default (started in this process with the simulated service and its day of metrics),
or with ``--aws real`` whatever boto3 finds (profile, environment, ``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

# The devstack is offered by module name only where it is installed (as bot.cli.OPTIONAL_COMMAND_MODULES).
EMBEDDED_AWS_MODULE = "devstack.stack"
SIMULATOR_MODULE = "devstack.simulator"


def add_commands(subparsers: Any) -> None:
    embedded = importlib.util.find_spec(EMBEDDED_AWS_MODULE.partition(".")[0]) is not None
    socket = subparsers.add_parser(
        "socket", help="run perfbot in your own workspace over Socket Mode (SLACK_APP_TOKEN, SLACK_BOT_TOKEN)"
    )
    socket.add_argument(
        "--aws",
        choices=["embedded", "real"] if embedded else ["real"],
        default="embedded" if embedded else "real",
        help="embedded: the devstack's AWS with the simulated service (default in a checkout); real: your account",
    )
    socket.set_defaults(func=_socket)


def _socket(args: argparse.Namespace) -> int:
    from bot.slack.socket_mode import SocketModeError, app_token, build_socket_app, check_bot_token, connect

    signal.signal(signal.SIGTERM, _interrupt)  # `kill`, `docker stop`: closed as cleanly as a Ctrl-C
    try:
        token = app_token()
        check_bot_token()  # both tokens before the embedded AWS takes its seconds to start
        with _aws(args.aws):
            handler = connect(token, build_socket_app())
            print(_connected(args.aws), flush=True)
            try:
                while True:
                    time.sleep(3600)
            finally:
                handler.close()
    except SocketModeError as exc:
        print(f"perfbot socket: {exc}", file=sys.stderr)
        return 2


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _connected(aws: str) -> str:
    from bot.slack import messages

    return messages.socket_connected(aws)


@contextlib.contextmanager
def _aws(kind: str) -> Iterator[None]:
    """``real``: nothing to start. ``embedded``: the devstack's AWS (IAM enforced, no Slack emulator), perfbot's
    tables and the simulated service, for the lifetime of the connection."""
    if kind == "real":
        yield
        return
    from bot.settings import get_settings

    stack = importlib.import_module(EMBEDDED_AWS_MODULE).Devstack(with_slack=False)
    stack.start()
    try:
        print(importlib.import_module(SIMULATOR_MODULE).simulate(get_settings()), flush=True)
        yield
    finally:
        stack.stop()
