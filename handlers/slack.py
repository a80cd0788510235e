"""Lambda entry point for Slack: API Gateway HTTP API (v2) and REST (v1) proxy events → Bolt → response.

On Lambda, Bolt's lazy listeners re-invoke this function asynchronously; elsewhere (tests, demo) they run in Bolt's
local thread pool, so the caller can wait for the Slack emulator to see the result. This module stays on the
cold-start budget (``make bench`` P2): stdlib logging here, Powertools in the lazy work and the other handlers.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler

from bot.slack.app import LazyWorkExecutor, build_app

logger = logging.getLogger("perfbot.slack")
lazy_work = LazyWorkExecutor()
app = build_app(executor=lazy_work)
_local_runner = app.listener_runner.lazy_listener_runner  # Bolt's thread pool runner
_adapter = SlackRequestHandler(app)  # switches lazy listeners to async self-invocation
if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    app.listener_runner.lazy_listener_runner = _local_runner


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event.setdefault("isBase64Encoded", False)  # REST v1 test events may omit it; the adapter indexes it
    if event.get("headers") is None:  # API Gateway sends null for a request without headers
        event["headers"] = {}
    response = _adapter.handle(event, context)  # Bolt normalises header names itself (REST v1 sends "X-Slack-…")
    if logger.isEnabledFor(logging.INFO):
        logger.info("slack_request", extra={"status": response.get("statusCode"), "request_id": context.aws_request_id})
    return response
