"""The Slack app through the real path: signed API Gateway events → handlers.slack.handler → Bolt → emulator."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from devstack import lambdas, slack_requests
from devstack.stack import Devstack

pytestmark = pytest.mark.functional

USER = "U0APPROVER1"


def _slash(stack: Devstack, text: str, **kwargs: Any) -> tuple[str, str]:
    channel_id = stack.slack.channel_id("#perf-alerts")
    body = slack_requests.slash_command_body(
        text, user_id=USER, channel_id=channel_id, response_url=stack.slack.response_url(channel_id, USER)
    )
    return body, channel_id


@pytest.mark.parametrize(("version", "base64_body"), [("2.0", False), ("2.0", True), ("1.0", False), ("1.0", True)])
def test_help_answers_with_the_registered_commands(
    stack: Devstack, slack_handler: Any, version: str, base64_body: bool
) -> None:
    from bot.slack import commands
    from bot.slack.render.kit import escape

    body, _ = _slash(stack, "help")
    event = slack_requests.signed_event(body, stack.signing_secret, version=version, base64_body=base64_body)  # type: ignore[arg-type]
    response = lambdas.invoke("slack", event)
    assert response["statusCode"] == 200
    answer = json.loads(response["body"])
    lines = answer["blocks"][1]["text"]["text"].splitlines()
    # exactly the registered commands, each with its usage line — nothing that doesn't work is advertised
    assert [line.split("`")[1] for line in lines] == [escape(c.usage) for c in commands.registered()]


def test_bare_perf_is_help(stack: Devstack, slack_handler: Any) -> None:
    body, _ = _slash(stack, "")
    response = lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["blocks"][0]["text"]["text"].startswith("perfbot")


def test_unknown_subcommand_gets_a_short_ephemeral_usage(stack: Devstack, slack_handler: Any) -> None:
    body, _ = _slash(stack, "frobnicate <!channel>")
    response = lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))
    answer = json.loads(response["body"])
    assert answer["response_type"] == "ephemeral"
    assert "frobnicate" in answer["text"] and "/perf help" in answer["text"]
    lambdas.wait_idle()
    assert stack.slack.calls["chat.postMessage"] == 0


def _assert_rejected(stack: Devstack, slack_handler: Any, event: dict[str, Any]) -> None:
    before = sum(stack.slack.calls.values())
    response = lambdas.invoke("slack", event)
    lambdas.wait_idle()
    assert response["statusCode"] == 401
    posting = {"chat.postMessage", "chat.postEphemeral", "chat.update", "views.open"}
    assert not any(stack.slack.calls[m] for m in posting)
    assert sum(stack.slack.calls.values()) == before  # nothing at all reached Slack


def test_forged_signature_is_rejected(stack: Devstack, slack_handler: Any) -> None:
    body, _ = _slash(stack, "help")
    _assert_rejected(stack, slack_handler, slack_requests.signed_event(body, "not-the-signing-secret"))


def test_stale_timestamp_is_rejected(stack: Devstack, slack_handler: Any) -> None:
    body, _ = _slash(stack, "help")
    stale = int(time.time()) - 301
    _assert_rejected(stack, slack_handler, slack_requests.signed_event(body, stack.signing_secret, timestamp=stale))


def test_tampered_body_is_rejected(stack: Devstack, slack_handler: Any) -> None:
    body, _ = _slash(stack, "help")
    event = slack_requests.signed_event(body, stack.signing_secret)
    fields = parse_qs(event["body"])
    fields["user_id"] = ["U0MALLORY"]
    event["body"] = urlencode({k: v[0] for k, v in fields.items()})
    _assert_rejected(stack, slack_handler, event)


def test_missing_signature_headers_are_rejected(stack: Devstack, slack_handler: Any) -> None:
    body, _ = _slash(stack, "help")
    _assert_rejected(stack, slack_handler, slack_requests.apigw_event(body, {}))


def test_non_post_requests_are_not_found(stack: Devstack, slack_handler: Any) -> None:
    body, _ = _slash(stack, "help")
    event = slack_requests.signed_event(body, stack.signing_secret)
    event["requestContext"]["http"]["method"] = "GET"
    assert lambdas.invoke("slack", event)["statusCode"] == 404
