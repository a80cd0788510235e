"""Logs, metrics and traces the way perfbot's Lambda functions write them, set up in one place.

- Logs: every ``bot.*`` and ``handlers.*`` logger writes through the handler of one Powertools ``Logger`` (JSON, level
  from ``POWERTOOLS_LOG_LEVEL`` / ``LOG_LEVEL``), with the Lambda context keys of the current invocation. A handler
  module calls :func:`lambda_logging` (or :func:`lambda_handler`) at import; on Lambda that configures the loggers,
  elsewhere (tests, CLI) it leaves stdlib logging alone. The demo calls :func:`setup_logging` and points the
  handler's stream at a file.
- Metrics: one CloudWatch namespace, ``POWERTOOLS_METRICS_NAMESPACE`` (serverless.yml), :data:`DEFAULT_NAMESPACE` off
  Lambda.
- Traces: a Powertools ``Tracer`` where X-Ray listens (on Lambda): boto3 and Slack Web API calls become subsegments,
  and :func:`traced` names the unit of work around them. Elsewhere nothing is traced and X-Ray is never imported.

Powertools is imported inside the functions: the Slack function's cold start (``make bench`` P2) pays for it only
on Lambda, and its ack path only for :func:`log_invocation`.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from bot import invocation

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "perfbot"
DEFAULT_NAMESPACE = "Perfbot"  # serverless.yml sets POWERTOOLS_METRICS_NAMESPACE to the same (tested)
LOGGERS = ("bot", "handlers")  # every perfbot module logs under one of these
PATCHED = ("botocore", "httplib")  # boto3 calls and slack_sdk's urllib requests to the Slack Web API

Handler = TypeVar("Handler", bound=Callable[..., Any])

_logger: Logger | None = None
_tracer: Tracer | None = None
_invoked = False


def on_lambda() -> bool:
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def setup_logging() -> Logger:
    """The Powertools Logger whose handler every ``bot.*`` and ``handlers.*`` logger shares; idempotent.

    Powertools' own ``copy_config_to_registered_loggers`` attaches that handler and level to the ``bot`` and
    ``handlers`` loggers and stops them propagating, so a root handler (Lambda's runtime installs one) prints no
    second, plain-text copy. Child loggers created later inherit through their parent.
    """
    global _logger  # noqa: PLW0603 - one Logger per process, like the handler it owns
    if _logger is None:
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

        # name="%(name)s" is a formatter key, so it survives inject_lambda_context(clear_state=True)
        logger = Logger(service=SERVICE, name="%(name)s")
        for name in LOGGERS:
            logging.getLogger(name)  # registered, so Powertools finds it
        copy_config_to_registered_loggers(source_logger=logger, include=set(LOGGERS))
        _logger = logger
    return _logger


def lambda_logging() -> Logger | None:
    """What every handler module calls at import: on Lambda the logging setup; elsewhere nothing (None), and stdlib
    logging stays with whoever owns the process (pytest's capture, the CLI, the demo's :func:`setup_logging`)."""
    return setup_logging() if on_lambda() else None


def log_invocation(context: Any) -> None:
    """Lambda context keys on the lines of this invocation, for the Slack handler, whose ack path cannot afford
    ``inject_lambda_context`` (a few µs a request against a ≈90 µs ack in ``make bench`` P1): all keys on the first
    invocation, then only the ones that change."""
    global _invoked  # noqa: PLW0603 - the container's first invocation is its cold start
    if _logger is None:
        return
    if _invoked:
        _logger.append_keys(function_request_id=context.aws_request_id, cold_start=False)
        return
    from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model

    _invoked = True
    cold_start = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"
    _logger.append_keys(cold_start=cold_start, **build_lambda_context_model(context).__dict__)


def lambda_handler(handler: Handler) -> Handler:
    """The alarms and schedule handlers: Powertools' Lambda context keys on every log line of the invocation
    (``inject_lambda_context``) wherever the logging is set up: on Lambda from the import on, in the demo. On Lambda
    the Tracer is built here too, in the init phase, so the first invocation's boto3 calls are already traced."""
    lambda_logging()
    tracer()
    injected: Callable[..., Any] | None = None

    @functools.wraps(handler)
    def invoke(event: Any, context: Any) -> Any:
        nonlocal injected
        with invocation.running(context):
            if _logger is None:
                return handler(event, context)
            if injected is None:
                injected = _logger.inject_lambda_context(handler, clear_state=True)
            return injected(event, context)

    return invoke  # type: ignore[return-value]


def metrics_namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE


def tracer() -> Tracer | None:
    """Powertools' Tracer on Lambda (it patches botocore and http.client when built); None elsewhere.

    Off Lambda Powertools would disable it anyway, but even a disabled Tracer builds X-Ray's recorder (~100 ms and
    two botocore clients), so it is not built at all.
    """
    global _tracer  # noqa: PLW0603 - one Tracer per process; Powertools shares its config anyway
    if _tracer is None and os.environ.get("LAMBDA_TASK_ROOT"):
        from aws_lambda_powertools import Tracer

        _tracer = Tracer(service=SERVICE, patch_modules=PATCHED)
    return _tracer if _tracer is not None and not _tracer.disabled else None


@contextmanager
def traced(name: str, **annotations: Any) -> Iterator[None]:
    """An X-Ray subsegment ``## name`` around one unit of work (with searchable annotations); nothing off Lambda."""
    active = tracer()
    if active is None:
        yield
        return
    with active.provider.in_subsegment(f"## {name}") as subsegment:
        for key, value in annotations.items():
            subsegment.put_annotation(key, value)
        yield
