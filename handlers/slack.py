"""Lambda entry point for Slack: API Gateway HTTP API (v2) and REST (v1) proxy events → Bolt → response.

Bolt's lazy listeners re-invoke this function asynchronously through the Lambda API (``lambda:InvokeFunction`` on
itself), wherever it runs: the devstack's embedded AWS runs such invocations too. This module stays on the
cold-start budget (``make bench`` P2) and the ack budget (P1): Powertools logging only on Lambda, the per-request
log line at DEBUG (API Gateway's access log has every request), tracing only in the lazy work.

Every POST passes :mod:`bot.slack.request_guard` first: it verifies Slack's signature (Bolt's own check is off, so it
happens once) and turns a bad request into a clean 4xx before Bolt parses anything.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_bolt.adapter.aws_lambda.handler import to_aws_response, to_bolt_request

from bot import invocation, observability
from bot.slack import request_guard
from bot.slack.app import TracedLambdaLazyListenerRunner, build_app, signing_secret

logger = logging.getLogger(__name__)
observability.lambda_logging()
_signing_secret = signing_secret()
app = build_app(signing_secret=_signing_secret, request_verification=False)  # request_guard verifies
_adapter = SlackRequestHandler(app)  # lazy listeners: asynchronous self-invocation, traced
app.listener_runner.lazy_listener_runner = TracedLambdaLazyListenerRunner(_adapter.logger)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    observability.log_invocation(context)
    with invocation.running(context):  # the Bedrock budget of lazy work on this thread reads it
        return _handle(event, context)


def _handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event.setdefault("isBase64Encoded", False)  # REST v1 test events may omit it; the adapter indexes it
    if event.get("headers") is None:  # API Gateway sends null for a request without headers
        event["headers"] = {}
    refusal = request_guard.check(event, _signing_secret)
    if refusal is not None:
        return refusal
    response = _post(event, context) if request_guard.method(event) == "POST" else _adapter.handle(event, context)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("slack_request", extra={"status": response.get("statusCode")})
    return response


def _post(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """What ``SlackRequestHandler.handle`` does with a POST, minus its ``logger.debug(f"Incoming event: {event}")``,
    whose f-string formats the whole event on every request at any log level (P1)."""
    request = to_bolt_request(event)  # Bolt normalises header names itself (REST v1 sends "X-Slack-…")
    request.context["aws_lambda_function_name"] = context.function_name
    request.context["aws_lambda_invoked_function_arn"] = context.invoked_function_arn
    request.context["lambda_request"] = event  # what the lazy listener runner re-invokes this function with
    return to_aws_response(app.dispatch(request))
