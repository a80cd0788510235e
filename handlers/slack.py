"""Lambda entry point for Slack: API Gateway HTTP API (v2) and REST (v1) proxy events → Bolt → response.

On Lambda, Bolt's lazy listeners re-invoke this function asynchronously; elsewhere (tests, demo) they run in Bolt's
local thread pool, so the caller can wait for the Slack emulator to see the result. This module stays on the
cold-start budget (``make bench`` P2) and the ack budget (P1): Powertools logging only on Lambda, the per-request
log line at DEBUG (API Gateway's access log has every request), tracing only in the lazy work.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler

from bot import observability
from bot.slack.app import LazyWorkExecutor, TracedLambdaLazyListenerRunner, build_app

logger = logging.getLogger(__name__)
observability.lambda_logging()
lazy_work = LazyWorkExecutor()
app = build_app(executor=lazy_work)
_local_runner = app.listener_runner.lazy_listener_runner  # Bolt's thread pool runner
_adapter = SlackRequestHandler(app)  # switches lazy listeners to async self-invocation
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    app.listener_runner.lazy_listener_runner = TracedLambdaLazyListenerRunner(_adapter.logger)
else:
    app.listener_runner.lazy_listener_runner = _local_runner


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    observability.log_invocation(context)
    event.setdefault("isBase64Encoded", False)  # REST v1 test events may omit it; the adapter indexes it
    if event.get("headers") is None:  # API Gateway sends null for a request without headers
        event["headers"] = {}
    response = _adapter.handle(event, context)  # Bolt normalises header names itself (REST v1 sends "X-Slack-…")
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("slack_request", extra={"status": response.get("statusCode")})
    return response
