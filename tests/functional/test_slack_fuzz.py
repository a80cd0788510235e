"""Fuzz the Slack function's front door (hypothesis) with real-shaped API Gateway v2 and v1 events.

Random headers, timestamps, signatures and bodies (form and JSON, base64 or not), and validly signed random payloads
(interaction payloads shaped like Slack's with random parts swapped for random JSON, slash commands with random
fields and text). For every example: no exception escapes ``handlers.slack.handler``, no 5xx, no ERROR record; an
unsigned, forged or stale request is 401 (400 only for base64 that is not base64, 413 only over 10 MB) and reaches
nothing in Slack. Derandomized, no example database: CI sees the same examples every run.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack import lambdas, slack_requests
from devstack.stack import Devstack
from tests.support import raw_requests
from tests.support.slack_clicks import ALICE, BOB, CAROL

pytestmark = pytest.mark.functional

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
CHANNEL = "#perf-alerts"
ACTION_IDS = [
    "approve_proposal",
    "reject_proposal",
    "undo_change",
    "revert_change",
    "alarm_ack",
    "alarm_silence_1h",
    "alarm_silence_until_ok",
    "analyze_alarm",
    "no_such_button",
]
SUBCOMMANDS = ["help", "sla", "cost", "breaker", "alarms", "frobnicate", ""]
SLASH_FIELDS = ["token", "team_id", "channel_id", "user_id", "command", "text", "response_url", "trigger_id"]
CHANGES_SLACK = ("chat.postMessage", "chat.postEphemeral", "chat.update", "chat.delete", "files.uploadV2")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
header_text = st.text(max_size=30) | st.sampled_from(["", "1.5", "-1", "1e9", "0x10", "9" * 5000, "١٧٠٠٠٠٠٠٠٠"])


# -- bodies --------------------------------------------------------------------------------------------------------


@st.composite
def interaction_bodies(draw: st.DrawFn, stack: Devstack, message_ts: str) -> str:
    """A block_actions payload as Slack sends it for a click on the message at ``message_ts`` (or on an ephemeral
    one, which has no ts), with random parts replaced, removed or added."""
    user = draw(st.sampled_from([ALICE, CAROL, BOB]))
    channel_id = stack.slack.channel_id(CHANNEL)
    payload = slack_requests.block_actions_payload(
        draw(st.sampled_from(ACTION_IDS)),
        draw(st.text(max_size=40) | st.sampled_from(["p-0000", "undo:p-1", "perfbot-dev-alarm"])),
        user=user,
        channel_id=channel_id,
        channel_name=CHANNEL.lstrip("#"),
        message={"type": "message", "ts": draw(st.sampled_from(["", message_ts]))},
        response_url=stack.slack.response_url(channel_id, user),
    )
    for key in draw(st.lists(st.sampled_from([*sorted(payload), "event", "authorizations", "view"]), max_size=3)):
        if draw(st.booleans()):
            payload[key] = draw(json_values)
        else:
            payload.pop(key, None)
    if draw(st.booleans()):  # inside the one action
        action = payload.get("actions")
        if isinstance(action, list) and action and isinstance(action[0], dict):
            action[0][draw(st.sampled_from(["action_id", "value", "block_id", "type"]))] = draw(json_values)
    whole = draw(st.sampled_from(["object", "object", "object", "other json", "not json"]))
    text = json.dumps(payload) if whole == "object" else json.dumps(draw(json_values))
    if whole == "not json":
        text = text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return urlencode({"payload": text})


@st.composite
def slash_bodies(draw: st.DrawFn, stack: Devstack) -> str:
    """A /perf command with random text, and sometimes fields missing or random."""
    user = draw(st.sampled_from([ALICE, CAROL, BOB]))
    channel_id = stack.slack.channel_id(CHANNEL)
    words = [draw(st.sampled_from(SUBCOMMANDS)), draw(st.text(max_size=30))]
    body = slack_requests.slash_command_body(
        " ".join(words), user_id=user, channel_id=channel_id, response_url=stack.slack.response_url(channel_id, user)
    )
    if draw(st.booleans()):
        return body
    fields = dict(pair.split("=", 1) for pair in body.split("&"))
    for name in draw(st.lists(st.sampled_from(SLASH_FIELDS), max_size=3)):
        fields.pop(name, None)
    return "&".join(f"{k}={v}" for k, v in fields.items()) + draw(st.sampled_from(["", "&", "&=x", "&x"]))


def bodies(stack: Devstack, message_ts: str) -> st.SearchStrategy[bytes]:
    text = (
        interaction_bodies(stack, message_ts)
        | interaction_bodies(stack, message_ts)
        | slash_bodies(stack)
        | slash_bodies(stack)
        | json_values.map(json.dumps)
        | st.dictionaries(st.text(max_size=12), st.text(max_size=30), max_size=5).map(urlencode)
        | st.text(max_size=200)
    )
    return text.map(str.encode) | st.binary(max_size=200)


# -- requests ------------------------------------------------------------------------------------------------------

SIGNINGS = ["valid", "valid", "valid", "none", "forged", "stale", "future", "random headers", "tampered"]


@st.composite
def requests(draw: st.DrawFn, stack: Devstack, message_ts: str) -> tuple[str, dict[str, Any]]:
    """(how it is signed, the API Gateway event)."""
    raw = draw(bodies(stack, message_ts))
    signing = draw(st.sampled_from(SIGNINGS))
    now = int(time.time())
    headers = {
        "valid": lambda: raw_requests.signature_headers(raw, stack.signing_secret),
        "none": dict,
        "forged": lambda: raw_requests.signature_headers(raw, draw(st.text(min_size=1, max_size=20))),
        "stale": lambda: raw_requests.signature_headers(raw, stack.signing_secret, now - draw(st.integers(301, 10**9))),
        "future": lambda: raw_requests.signature_headers(
            raw, stack.signing_secret, now + draw(st.integers(301, 10**9))
        ),
        "random headers": lambda: {
            "x-slack-request-timestamp": draw(header_text | st.just(str(now))),
            "x-slack-signature": draw(header_text.map(lambda t: f"v0={t}") | header_text),
        },
        "tampered": lambda: raw_requests.signature_headers(raw + b"&x=1", stack.signing_secret),
    }[signing]()
    content_type = draw(st.sampled_from([None, "application/json", "application/x-www-form-urlencoded", "text/x"]))
    if content_type is not None:
        headers["content-type"] = content_type
    base64_body = draw(st.booleans())
    if not base64_body:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            base64_body = True  # API Gateway base64-encodes a body that is not text
    version = draw(st.sampled_from(["2.0", "1.0"]))
    event = raw_requests.event(raw, headers, version=version, base64_body=base64_body)
    if "content-type" not in headers:
        event["headers"].pop("content-type", None)
        event["headers"].pop("Content-Type", None)
        event.get("multiValueHeaders", {}).pop("Content-Type", None)
    return signing, event


def _send(stack: Devstack, event: dict[str, Any], caplog: pytest.LogCaptureFixture) -> tuple[int, list[str]]:
    """(status, what reached Slack, ERROR records) for one request, after its lazy work."""
    seen = len(caplog.records)
    before = stack.slack.calls
    response = lambdas.invoke("slack", event)
    lambdas.wait_idle()
    status = response["statusCode"]
    reached = [m for m, n in (stack.slack.calls - before).items() if n]
    errors = [r.getMessage()[:200] for r in caplog.records[seen:] if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, errors
    assert status < 500, response
    return status, reached


def test_fuzzed_requests_are_refused_cleanly_and_signed_ones_never_crash(
    stack: Devstack, function: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.slack.app import slack_client

    caplog.set_level(logging.INFO)
    outcomes: dict[str, set[int]] = {}
    clicked = slack_client().chat_postMessage(channel=stack.slack.channel_id(CHANNEL), text="a message to click on")

    @settings(FUZZ, max_examples=400)
    @given(request=requests(stack, clicked["ts"]))
    def one(request: tuple[str, dict[str, Any]]) -> None:
        signing, event = request
        status, reached = _send(stack, event, caplog)
        outcomes.setdefault(signing, set()).add(status)
        if signing != "valid":
            assert status == 401 or (status == 400 and event["isBase64Encoded"]), (signing, status, event)
            assert not reached, reached

    one()
    assert outcomes["valid"] & {200} and outcomes["valid"] & {400}  # the fuzz reached both sides of the guard
    assert all(statuses == {401} for signing, statuses in outcomes.items() if signing != "valid")


@FUZZ
@given(
    body=st.text(max_size=300),
    base64_garbage=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=!-_ \n", max_size=40
    ),
    signed=st.booleans(),
    version=st.sampled_from(["2.0", "1.0"]),
)
def test_base64_that_is_not_base64_is_400_or_401_never_a_crash(
    stack: Devstack,
    slack_handler: Any,
    caplog: pytest.LogCaptureFixture,
    body: str,
    base64_garbage: str,
    signed: bool,
    version: str,
) -> None:
    caplog.set_level(logging.INFO)
    headers = raw_requests.signature_headers(body.encode(), stack.signing_secret) if signed else {}
    event = raw_requests.event(body.encode(), headers, version=version, base64_body=True)
    event["body"] = base64_garbage
    status, reached = _send(stack, event, caplog)
    assert status in ((400, 401) if signed else (401,)) and not reached
