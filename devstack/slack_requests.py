"""Signed Slack requests wrapped in API Gateway proxy events — what Slack → API Gateway hands the slack function.

Used by the demo, the tests and the benchmarks to drive ``handlers.slack.handler`` through the real path.
Event shapes follow AWS's documented payload format versions 2.0 (HTTP API) and 1.0 (REST API).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

PayloadVersion = Literal["2.0", "1.0"]


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of the Lambda context object that perfbot and Powertools read."""

    function_name: str = "perfbot-dev-slack"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:perfbot-dev-slack"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name: str = "/aws/lambda/perfbot-dev-slack"
    log_stream_name: str = "2026/11/26/[$LATEST]local"
    timeout_s: float = 30.0  # the function's configured timeout: the remaining time counts down from creation
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.started + self.timeout_s - time.monotonic()) * 1000))


def sign(body: str, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    return {"x-slack-request-timestamp": ts, "x-slack-signature": signature or ""}


def slash_command_body(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    response_url: str,
    command: str = "/perf",
    user_name: str = "alice",
    team_id: str = "T0PERFBOT",
    channel_name: str = "perf-alerts",
    trigger_id: str | None = None,
) -> str:
    """``trigger_id``: one the emulator issued (``SlackEmulator.trigger_id()``) to open a modal; else a made-up one."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "perfbot-demo",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": "A0PERFBOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or f"{int(time.time())}.{uuid.uuid4().int % 10**12}.trigger",
        }
    )


def block_action_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def apigw_event(
    body: str,
    headers: dict[str, str],
    *,
    version: PayloadVersion = "2.0",
    base64_body: bool = False,
    path: str = "/slack/events",
) -> dict[str, Any]:
    """An API Gateway proxy event carrying ``body`` as Slack sends it (form-encoded)."""
    all_headers = {
        "content-type": "application/x-www-form-urlencoded",
        "host": "abc123.execute-api.us-east-1.amazonaws.com",
        "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        **headers,
    }
    payload = base64.b64encode(body.encode()).decode() if base64_body else body
    now = int(time.time() * 1000)
    if version == "2.0":
        return {
            "version": "2.0",
            "routeKey": f"POST {path}",
            "rawPath": path,
            "rawQueryString": "",
            "headers": all_headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "abc123",
                "domainName": all_headers["host"],
                "domainPrefix": "abc123",
                "http": {
                    "method": "POST",
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "203.0.113.10",
                    "userAgent": all_headers["user-agent"],
                },
                "requestId": uuid.uuid4().hex[:16],
                "routeKey": f"POST {path}",
                "stage": "$default",
                "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
                "timeEpoch": now,
            },
            "body": payload,
            "isBase64Encoded": base64_body,
        }
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": {k.title(): v for k, v in all_headers.items()},
        "multiValueHeaders": {k.title(): [v] for k, v in all_headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "httpMethod": "POST",
            "path": f"/dev{path}",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": now,
            "resourcePath": path,
            "stage": "dev",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": all_headers["user-agent"]},
        },
        "body": payload,
        "isBase64Encoded": base64_body,
    }


def signed_event(
    body: str,
    signing_secret: str,
    *,
    timestamp: int | None = None,
    version: PayloadVersion = "2.0",
    base64_body: bool = False,
) -> dict[str, Any]:
    return apigw_event(body, sign(body, signing_secret, timestamp), version=version, base64_body=base64_body)


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    user: str,
    channel_id: str,
    channel_name: str,
    message: dict[str, Any],
    response_url: str,
    block_id: str = "",
    team_id: str = "T0PERFBOT",
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` interaction payload as Slack sends it when a button on ``message`` is clicked."""
    now = time.time()
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id},
        "api_app_id": "A0PERFBOT",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message.get("ts", ""),
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id or f"{int(now)}.{uuid.uuid4().int % 10**12}.trigger",
        "team": {"id": team_id, "domain": "perfbot-demo"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": channel_name},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id or action_id,
                "text": {"type": "plain_text", "text": action_id, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{now:.6f}",
            }
        ],
    }


def click_event(
    emulator: Any,
    signing_secret: str,
    action_id: str,
    value: str,
    *,
    user: str,
    channel: str,
    message_ts: str = "",
    retry_num: int | None = None,
) -> dict[str, Any]:
    """The signed API Gateway event Slack sends when ``user`` clicks a button on a message in ``channel``."""
    channel_id = emulator.channel_id(channel)
    payload = block_actions_payload(
        action_id,
        value,
        user=user,
        channel_id=channel_id,
        channel_name=channel.lstrip("#"),
        message={"type": "message", "ts": message_ts},
        response_url=emulator.response_url(channel_id, user, message_ts or None),
        trigger_id=emulator.trigger_id(),
    )
    event = signed_event(block_action_body(payload), signing_secret)
    if retry_num is not None:  # what Slack adds when it re-sends a request it got no timely answer for
        event["headers"] |= {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": "http_timeout"}
    return event


def event_callback_body(
    event: dict[str, Any], *, team_id: str = "T0PERFBOT", bot_user_id: str = "U0PERFBOT", event_id: str | None = None
) -> str:
    """The Events API envelope Slack POSTs (JSON) for one subscribed event."""
    return json.dumps(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "api_app_id": "A0PERFBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
    )


def url_verification_body(challenge: str) -> str:
    """What Slack sends once to a new Events API request URL; the app must echo ``challenge``."""
    return json.dumps({"token": "deprecated-verification-token", "challenge": challenge, "type": "url_verification"})


def events_api_event(
    body: str,
    signing_secret: str,
    *,
    retry_num: int | None = None,
    retry_reason: str = "http_timeout",
    timestamp: int | None = None,
) -> dict[str, Any]:
    """The API Gateway event for an Events API delivery: a signed JSON body; a re-delivery carries Slack's
    ``X-Slack-Retry-Num`` (1, 2, 3) and ``X-Slack-Retry-Reason`` (``http_timeout``, ``http_error``, …)."""
    headers = sign(body, signing_secret, timestamp) | {"content-type": "application/json"}
    if retry_num is not None:
        headers |= {"x-slack-retry-num": str(retry_num), "x-slack-retry-reason": retry_reason}
    return apigw_event(body, headers)


def view_submission_payload(
    view: dict[str, Any], user: str, values: dict[str, str], *, team_id: str = "T0PERFBOT"
) -> dict[str, Any]:
    """The ``view_submission`` Slack sends when ``user`` submits ``view`` (as views.open stored it) with ``values``
    per input block (block_id = action_id, as perfbot's modals use): text inputs carry ``value``, selects
    ``selected_option``."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input" or block.get("block_id") not in values:
            continue
        element, value = block["element"], values[block["block_id"]]
        if element["type"] == "static_select":
            option = next(o for o in element["options"] if o["value"] == value)
            entry = {"type": "static_select", "selected_option": option}
        else:
            entry = {"type": element["type"], "value": value}
        state[block["block_id"]] = {element["action_id"]: entry}
    submitted = dict(view) | {"state": {"values": state}}
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "perfbot-demo"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id},
        "api_app_id": "A0PERFBOT",
        "token": "deprecated-verification-token",
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.trigger",
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
