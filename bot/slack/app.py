"""Build the Bolt app: one WebClient with Slack's rate-limit retries, the signing secret, the listeners."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner
from slack_bolt.util.utils import get_name_for_callable
from slack_sdk import WebClient

from bot import observability
from bot.slack.errors import on_error
from bot.slack.listeners import LISTENER_MODULES
from bot.slack.retries import retry_handlers

SLACK_API_DEFAULT = "https://slack.com/api/"


def slack_client(token: str | None = None, base_url: str | None = None) -> WebClient:
    """The WebClient every perfbot component uses: ``SLACK_API_URL`` aware, retrying 429s, and 5xx and dropped
    connections where a repeat is harmless (:mod:`bot.slack.retries`)."""
    return WebClient(
        token=token if token is not None else _secret("SLACK_BOT_TOKEN"),
        base_url=base_url or os.environ.get("SLACK_API_URL") or SLACK_API_DEFAULT,
        timeout=10,
        retry_handlers=retry_handlers(),
    )


def _secret(name: str) -> str:
    """Read a Slack secret from the environment, or from SSM when only ``<NAME>_PARAMETER`` is set (Lambda)."""
    value = os.environ.get(name)
    if value:
        return value
    parameter = os.environ.get(f"{name}_PARAMETER")
    if not parameter:
        return ""
    from aws_lambda_powertools.utilities import parameters

    return str(parameters.get_parameter(parameter, decrypt=True, max_age=300))


class TracedLambdaLazyListenerRunner(LambdaLazyListenerRunner):
    """On Lambda, the self-invocation that runs a lazy listener does it inside an X-Ray subsegment named after it.

    Only ``run`` (the lazy invocation) is traced; ``start`` (the self-invoke on the ack path) is Bolt's own.
    """

    def run(self, function: Callable[..., None], request: BoltRequest) -> None:
        with observability.traced("lazy_listener", listener=get_name_for_callable(function)):
            super().run(function, request)


MAX_BOLT_LOG_LINE = 1000


def _bounded(record: logging.LogRecord) -> bool:
    """Bolt puts whole request bodies into some lines ("Unhandled request (…)"): cut them to a bounded line."""
    message = record.getMessage()
    if "`token` will be unused" in message:
        return False  # Bolt warns that SLACK_BOT_TOKEN is unused when a client is given; the client carries it
    if len(message) > MAX_BOLT_LOG_LINE:
        record.msg, record.args = f"{message[:MAX_BOLT_LOG_LINE]}… ({len(message)} characters)", None
    return True


def _bolt_logger() -> logging.Logger:
    """Bolt's loggers — its own ``slack_bolt.*`` ones copy this one's handlers and filters when the app is built."""
    bolt_logger = logging.getLogger("bot.slack.bolt")  # under "bot": on Lambda its lines are JSON like perfbot's
    if _bounded not in bolt_logger.filters:
        bolt_logger.addFilter(_bounded)
    return bolt_logger


def signing_secret() -> str:
    return _secret("SLACK_SIGNING_SECRET")


def build_app(
    *,
    client: WebClient | None = None,
    signing_secret: str | None = None,
    request_verification: bool = True,
) -> App:
    """The perfbot Bolt app. ``process_before_response`` because on Lambda nothing may run after the response.

    ``request_verification=False`` only behind :mod:`bot.slack.request_guard`, which verifies every request first.
    """
    app = App(
        name="perfbot",  # naming the app spares Bolt an inspect.stack() walk at cold start
        client=client or slack_client(),
        signing_secret=signing_secret if signing_secret is not None else _secret("SLACK_SIGNING_SECRET"),
        request_verification_enabled=request_verification,
        process_before_response=True,
        token_verification_enabled=False,  # no network at import; Bolt calls auth.test on the first request
        logger=_bolt_logger(),
    )
    app.error(on_error)
    for module_name in LISTENER_MODULES:
        importlib.import_module(module_name).register(app)
    return app
