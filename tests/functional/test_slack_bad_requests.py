"""Bad requests to the Slack function get a clean 4xx — never an escaping exception, a 5xx or an ERROR traceback.

An unsigned, stale or forged request is always 401 (Slack's documented answer to a failed verification), whatever
its body; only a verified request learns that its body is malformed (400). More than API Gateway's 10 MB is 413.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from devstack import lambdas, slack_requests
from devstack.stack import Devstack
from tests.support import raw_requests

pytestmark = pytest.mark.functional

USER = "U0APPROVER1"
POSTING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "files.uploadV2")


def answer(stack: Devstack, event: dict[str, Any], caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    """The handler's response; fails on anything posted to Slack, an ERROR record or a traceback in the log."""
    caplog.set_level(logging.INFO)
    response = dict(lambdas.invoke("slack", event))
    lambdas.wait_idle()
    assert not any(stack.slack.calls[m] for m in POSTING)
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage()[:300] for r in bad]
    return response


def slash_body(stack: Devstack, text: str = "help", **fields: str) -> str:
    channel_id = stack.slack.channel_id("#perf-alerts")
    body = slack_requests.slash_command_body(
        text, user_id=USER, channel_id=channel_id, response_url=stack.slack.response_url(channel_id, USER)
    )
    return body if not fields else urlencode(fields)


def signed(stack: Devstack, body: str | bytes, *, version: str = "2.0", base64_body: bool = False) -> dict[str, Any]:
    """``body`` as API Gateway hands it over (``bytes`` only base64-encoded), correctly signed over its bytes."""
    return raw_requests.signed(body, stack.signing_secret, version=version, base64_body=base64_body)


# -- base64 bodies -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_a_base64_body_that_is_not_utf8_is_400(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture, version: str
) -> None:
    event = signed(stack, b"command=/perf&text=\xff\xfe\xfa", version=version, base64_body=True)
    assert answer(stack, event, caplog)["statusCode"] == 400


@pytest.mark.parametrize("body", ["abc", "!!!!", "Y29tbWFuZD0vcGVyZg=ZZ"])
def test_a_base64_body_that_is_not_base64_is_400(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    event = slack_requests.signed_event(slash_body(stack), stack.signing_secret, base64_body=True)
    event["body"] = body
    assert answer(stack, event, caplog)["statusCode"] == 400


# -- signature headers ---------------------------------------------------------------------------------------------

BAD_TIMESTAMPS = ["abc", "", " ", "1.5", "1e9", "9" * 5000, "-1", "١٧٠٠٠٠٠٠٠٠", "0x10", "1_700_000_000"]


@pytest.mark.parametrize("timestamp", BAD_TIMESTAMPS, ids=lambda t: repr(t[:12]))
def test_a_malformed_timestamp_is_401_in_one_quiet_line(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = slash_body(stack)
    event = slack_requests.apigw_event(body, slack_requests.sign(body, stack.signing_secret) | {})
    event["headers"]["x-slack-request-timestamp"] = timestamp
    assert answer(stack, event, caplog)["statusCode"] == 401
    refused = [r for r in caplog.records if r.name.startswith(("bot", "handlers"))]
    assert len(refused) == 1 and refused[0].levelno in (logging.INFO, logging.WARNING)


@pytest.mark.parametrize(
    "signature", ["v0=" + "é" * 64, "v0=ünïcödé", "", "v0=", "v1=" + "0" * 64, "garbage", "v0=" + "g" * 64]
)
@pytest.mark.parametrize("version", ["2.0", "1.0"])
def test_a_malformed_signature_is_401(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture, signature: str, version: str
) -> None:
    body = slash_body(stack)
    headers = slack_requests.sign(body, stack.signing_secret) | {"x-slack-signature": signature}
    event = slack_requests.apigw_event(body, headers, version=version)  # type: ignore[arg-type]
    assert answer(stack, event, caplog)["statusCode"] == 401


# -- bodies: 401 first, then 400 -----------------------------------------------------------------------------------

BAD_PAYLOADS = [
    "{not json",
    "[1, 2]",
    '"block_actions"',
    "null",
    json.dumps({"type": "block_actions", "user": {"id": USER}, "actions": []}),
    json.dumps({"type": "block_actions", "user": {"id": USER}, "actions": "approve_proposal"}),
    json.dumps({"type": "block_actions", "user": {"id": USER}, "actions": [1]}),
    json.dumps({"type": "block_actions", "user": {"id": USER}, "actions": [{"value": "p-1"}]}),
    json.dumps({"type": "block_actions", "user": {"id": USER}, "actions": [{"action_id": 7}]}),
    json.dumps({"type": "block_actions", "user": "U1", "actions": [{"action_id": "approve_proposal"}]}),
    json.dumps({"type": "block_actions", "team": 5, "user": {"id": USER}, "actions": [{"action_id": "alarm_ack"}]}),
    json.dumps({"type": "block_actions", "authorizations": 3, "actions": [{"action_id": "alarm_ack"}]}),
]


@pytest.mark.parametrize("payload", BAD_PAYLOADS, ids=lambda p: p[:40])
def test_a_malformed_interaction_payload_is_400_once_signed_and_401_unsigned(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture, payload: str
) -> None:
    body = urlencode({"payload": payload})
    assert answer(stack, signed(stack, body), caplog)["statusCode"] == 400
    forged = slack_requests.signed_event(body, "not-the-signing-secret")
    assert answer(stack, forged, caplog)["statusCode"] == 401
    assert answer(stack, slack_requests.apigw_event(body, {}), caplog)["statusCode"] == 401


@pytest.mark.parametrize(
    "fields",
    [
        {"user_id": USER, "text": "help"},  # no command
        {"command": "/perf", "text": "help"},  # no user
        {"command": "/perf", "user_id": USER, "text": "help"},  # no channel, no response_url
        {"command": "", "user_id": USER, "channel_id": "C1", "response_url": "https://x", "text": "help"},
    ],
)
def test_a_slash_command_missing_its_fields_is_400(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture, fields: dict[str, str]
) -> None:
    assert answer(stack, signed(stack, urlencode(fields)), caplog)["statusCode"] == 400


@pytest.mark.parametrize("body", ["{not json", "[1]", "42", '{"type": 5}'])
def test_a_malformed_json_body_is_400_once_signed(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    event = signed(stack, body)
    event["headers"]["content-type"] = "application/json"
    assert answer(stack, event, caplog)["statusCode"] == 400
    unsigned = slack_requests.apigw_event(body, {"content-type": "application/json"})
    assert answer(stack, unsigned, caplog)["statusCode"] == 401


def test_well_formed_requests_still_work(stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The guard lets through what Slack sends: a slash command in either format, base64 or not."""
    for version in ("2.0", "1.0"):
        for base64_body in (False, True):
            event = signed(stack, slash_body(stack, "help"), version=version, base64_body=base64_body)
            response = answer(stack, event, caplog)
            assert response["statusCode"] == 200 and "perfbot" in response["body"]


# -- logs and sizes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("signed_body", [False, True])
def test_a_refused_2mb_body_leaves_under_2kb_of_log(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture, signed_body: bool
) -> None:
    body = urlencode({"payload": "{" + "x" * 2_000_000})
    event = signed(stack, body) if signed_body else slack_requests.signed_event(body, "not-the-signing-secret")
    assert answer(stack, event, caplog)["statusCode"] == (400 if signed_body else 401)
    logged = sum(len(r.getMessage()) + len(str(r.__dict__.get("digest", ""))) for r in caplog.records)
    assert 0 < logged < 2_000
    assert len(caplog.text) < 2_000


def test_more_than_10mb_is_413_without_parsing(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode({"payload": json.dumps({"type": "block_actions", "pad": "x" * (10 * 1024 * 1024)})})
    assert answer(stack, signed(stack, body), caplog)["statusCode"] == 413
    assert answer(stack, signed(stack, body, base64_body=True), caplog)["statusCode"] == 413
    assert len(caplog.text) < 2_000


# -- what a command echoes back ------------------------------------------------------------------------------------


def test_an_unknown_subcommand_echo_is_bounded_and_escaped(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture
) -> None:
    name = "<!channel>" + "w" * 50_000
    response = answer(stack, signed(stack, slash_body(stack, f"{name} and more words")), caplog)
    assert response["statusCode"] == 200
    text = json.loads(response["body"])["text"]
    assert len(text) <= 4_000
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "…" in text and "/perf help" in text


def test_bolts_own_lines_about_a_signed_request_are_bounded(
    stack: Devstack, slack_handler: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A signed click on a button perfbot has no listener for: Bolt answers 404 and logs "Unhandled request (<the
    whole body>)", with the action's block_id — cut to a bounded line."""
    channel_id = stack.slack.channel_id("#perf-alerts")
    payload = slack_requests.block_actions_payload(
        "no_such_button",
        "v" * 1_000,
        user=USER,
        channel_id=channel_id,
        channel_name="perf-alerts",
        message={"type": "message", "ts": ""},
        response_url=stack.slack.response_url(channel_id, USER),
        block_id="b" * 100_000,
    )
    response = answer(stack, signed(stack, slack_requests.block_action_body(payload)), caplog)
    assert response["statusCode"] == 404
    assert any("Unhandled request" in r.getMessage() for r in caplog.records)
    assert len(caplog.text) < 4_000
