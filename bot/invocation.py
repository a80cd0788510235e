"""The Lambda invocation this thread is running: how much of its time is left.

Each handler records its invocation's context for the invocation's duration (:func:`running`, from
:mod:`bot.observability` and ``handlers.slack``); work that may be slow
— a model call — budgets itself within :func:`remaining_s`, so that whatever it falls back to still reaches the user
before Lambda stops the function. Outside Lambda (the CLI) nothing is recorded and there is no limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_context: ContextVar[Any] = ContextVar("lambda_context", default=None)


@contextmanager
def running(context: Any) -> Iterator[None]:
    """The invocation's Lambda context for this thread while it runs (a lazy listener runs on its invocation's
    thread); forgotten after it, so a later invocation on the same thread (the devstack, tests) never inherits it."""
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


def remaining_s() -> float | None:
    """Seconds left before Lambda stops this invocation; None outside an invocation."""
    context = _context.get()
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    try:
        return max(0.0, float(remaining()) / 1000)
    except (TypeError, ValueError):
        return None
