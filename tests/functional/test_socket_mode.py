"""`python -m bot socket`'s app over the Slack emulator's Socket Mode: apps.connections.open with the app-level
token, the WebSocket's hello, then `/perf sla` and an Approve click delivered as envelopes, acked within 3 s, the
lazy work done in this process under the slack function's IAM role."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from bot.changes.store import proposal_store
from bot.slack.socket_mode import SocketModeError, connect
from devstack import lambdas, slack_requests
from devstack.stack import Devstack
from devstack.web.actions import SlackClientActions
from devstack.web.server import answered
from tests.functional.test_reports_sla import live_report_end, write_known_datapoints
from tests.support import monitored
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, BOB, CHANNEL, card_for, card_text

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def socket_app(stack: Devstack) -> Iterator[Any]:
    handler = connect(stack.slack.app_token)
    assert stack.slack.socket_mode.wait_connected()
    yield handler
    handler.close()


def slash_payload(stack: Devstack, text: str, user: str = ALICE) -> dict[str, str]:
    """The slash_commands envelope's payload: the fields Slack would have form-posted, as a JSON object."""
    channel_id = stack.slack.channel_id(CHANNEL)
    body = slack_requests.slash_command_body(
        text, user_id=user, channel_id=channel_id, response_url=stack.slack.response_url(channel_id, user)
    )
    return dict(parse_qsl(body))


def test_perf_sla_over_the_websocket_answers_in_the_channel(stack: Devstack, socket_app: Any) -> None:
    write_known_datapoints(stack.aws.endpoint_url, live_report_end())
    with lambdas.running_as("slack"):  # the lazy work runs in this process, on Bolt's threads, as the function
        ack = stack.slack.socket_mode.slash_command(slash_payload(stack, "sla"))
        assert ack["envelope_id"]  # acked in time (else the emulator records envelope_not_acked)

        def answered() -> bool:
            found = stack.slack.messages(CHANNEL)
            return bool(found) and found[0].edited and "Working" not in found[0].plain_text()

        assert stack.slack.wait_for(answered, timeout=20)
    (message,) = stack.slack.messages(CHANNEL)
    assert "SLA — last 24h" in message.plain_text() and "monitoring-api" in message.plain_text()
    assert not message.ephemeral


def test_an_ack_payload_is_shown_like_an_http_answer(stack: Devstack, socket_app: Any) -> None:
    with lambdas.running_as("slack"):
        ack = stack.slack.socket_mode.slash_command(slash_payload(stack, "sla nosuch-api"))
        assert stack.slack.wait_for(lambda: bool(stack.slack.ephemerals(CHANNEL)), timeout=20)
    (answer,) = stack.slack.ephemerals(CHANNEL)
    assert ack["envelope_id"] and "nosuch-api" in answer.text and "monitoring-api" in answer.text


def test_approve_click_over_the_websocket_applies_the_change(function: Devstack, socket_app: Any) -> None:
    p = card_for(function, memory_rec())
    clicks = SlackClientActions(function, transport="socket")  # the web channel's clicks, as Socket Mode envelopes
    with lambdas.running_as("slack"):
        ack = clicks.click(
            user=ALICE, channel=CHANNEL, message_ts=p.message_ts, action_id="approve_proposal", value=p.id
        )
        assert answered(ack) == "with a Socket Mode ack"
        assert function.slack.wait_for(lambda: proposal_store().get(p.id).state == "applied", timeout=20)
        assert function.slack.wait_for(lambda: "Applied" in card_text(function, p), timeout=10)
    assert monitored.memory_of() == 1536  # read back from the embedded AWS
    assert "1024 MB → 1536 MB" in card_text(function, p)


def test_a_bot_token_in_place_of_the_app_token_is_a_clear_error(stack: Devstack) -> None:
    with pytest.raises(SocketModeError, match=r"xoxb-… token; Socket Mode needs the app-level token \(xapp-"):
        connect("xoxb-perfbot-local")
    with pytest.raises(SocketModeError, match="SLACK_APP_TOKEN is not set"):
        connect("")
    assert stack.slack.calls["apps.connections.open"] == 0


def test_an_app_token_slack_does_not_know_is_refused(stack: Devstack) -> None:
    stack.slack.expect_refusal("apps.connections.open", "invalid_auth")
    with pytest.raises(SocketModeError, match=r"refused to open a Socket Mode connection \(invalid_auth\)"):
        connect("xapp-1-A0OTHER-1-nosuchtoken")


def test_opening_the_home_tab_over_the_websocket_publishes_it(function: Devstack, socket_app: Any) -> None:
    body = json.loads(slack_requests.event_callback_body(function.slack.app_home_opened(BOB)))
    with lambdas.running_as("slack"):
        ack = function.slack.socket_mode.events_api(body)
        assert ack["envelope_id"]
        assert function.slack.wait_for(lambda: function.slack.home_view(BOB) is not None, timeout=20)
    view = function.slack.home_view(BOB)
    assert view is not None and view["type"] == "home" and view["blocks"]


def cli_env(stack: Devstack, **slack: str) -> dict[str, str]:
    """A terminal with only the Slack variables a person would export (no AWS: the verb starts its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLACK_", "PERFBOT_"))}
    return env | {"SLACK_API_URL": stack.slack.api_url} | slack


def test_the_socket_verb_on_the_embedded_aws_answers_over_the_websocket(stack: Devstack) -> None:
    """``python -m bot socket`` as a person runs it: its own embedded AWS with the simulated service, this emulator as
    the workspace; /perf sla answered from the simulated day; SIGTERM ends it as Ctrl-C does (a child of a
    non-interactive shell may start with SIGINT ignored, so the test cannot rely on SIGINT reaching Python)."""
    env = cli_env(stack, SLACK_APP_TOKEN=stack.slack.app_token, SLACK_BOT_TOKEN=stack.slack.bot_token)
    verb = subprocess.Popen(
        [sys.executable, "-m", "bot", "socket"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert stack.slack.socket_mode.wait_connected(timeout=120)
        assert stack.slack.socket_mode.slash_command(slash_payload(stack, "sla"))["envelope_id"]

        def answered() -> bool:
            found = stack.slack.messages(CHANNEL)
            return bool(found) and "monitoring-api" in found[0].plain_text()

        assert stack.slack.wait_for(answered, timeout=60)
        assert "Availability" in stack.slack.messages(CHANNEL)[0].plain_text()  # the simulated day's numbers
    finally:
        verb.send_signal(signal.SIGTERM)
        try:
            out, err = verb.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            verb.kill()  # never leave it running
            verb.communicate()
            raise
    assert verb.returncode == 130, err.decode()
    assert b"connected over Socket Mode (embedded AWS)" in out
    assert b"Traceback" not in err


@pytest.mark.parametrize(
    ("app", "bot", "says"),
    [
        ("xoxb-perfbot-local", "xoxb-perfbot-local", b"holds a xoxb-\xe2\x80\xa6 token"),
        ("", "xoxb-perfbot-local", b"SLACK_APP_TOKEN is not set"),
        ("xapp-1-A0PERFBOT-1-perfbot-local", "", b"SLACK_BOT_TOKEN is not set"),
    ],
)
def test_the_socket_verb_without_its_tokens_is_one_line(stack: Devstack, app: str, bot: str, says: bytes) -> None:
    env = cli_env(stack, SLACK_APP_TOKEN=app, SLACK_BOT_TOKEN=bot)
    verb = [sys.executable, "-m", "bot", "socket"]  # the embedded AWS is not even started
    done = subprocess.run(verb, check=False, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert done.returncode == 2 and says in done.stderr and b"Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and stack.slack.calls["apps.connections.open"] == 0
