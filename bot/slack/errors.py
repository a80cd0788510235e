"""What happens when a listener fails in a way nobody planned for: one log line with the traceback, and the same
short, safe answer to the person who clicked or typed (``messages.unexpected_failure``) — never a stack trace, never
silence.

Bolt routes exceptions of acks and synchronous listeners to ``app.error`` (:func:`on_error`); lazy listeners run
outside that path (Bolt only logs "Failed to run an internal function"), so each lazy function is registered through
:func:`guarded`, which answers the same way. Expected outcomes (a refusal, a usage error, a lost race) are answers,
not errors, and never get here.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_bolt.response import BoltResponse

from bot.slack import messages

logger = logging.getLogger(__name__)


def tell_unexpected(respond: Respond | None, error: BaseException, where: str) -> None:
    """Log ``error`` once and answer the user with the catalogue's one failure message (ephemeral)."""
    logger.error("listener_failed", exc_info=error, extra={"listener": where})
    if respond is None:
        return
    try:
        respond(text=messages.unexpected_failure(), response_type="ephemeral", replace_original=False)
    except Exception:  # the answer itself failed (response_url expired): the log line above is what is left
        logger.warning("failure_answer_failed", extra={"listener": where})


def on_error(error: Exception, body: dict[str, Any], respond: Respond | None) -> BoltResponse:
    """``app.error``: an ack or synchronous listener raised. Slack still gets a 200 (a retry would fail the same)."""
    where = str(body.get("command") or (body.get("actions") or [{}])[0].get("action_id") or body.get("type") or "?")
    tell_unexpected(respond if body.get("response_url") or body.get("actions") else None, error, where)
    return BoltResponse(status=200, body="")


def guarded(lazy: Callable[..., None]) -> Callable[..., None]:
    """A lazy listener that answers like :func:`on_error` when it fails. Bolt injects arguments by the parameter names
    of the unwrapped function, so ``lazy`` itself must ask for ``respond`` (checked here, at registration)."""
    if "respond" not in inspect.signature(lazy).parameters:
        raise TypeError(f"lazy listener {lazy.__name__} must take `respond` to answer its failures")

    @functools.wraps(lazy)
    def run(**kwargs: Any) -> None:
        try:
            lazy(**kwargs)
        except Exception as error:
            tell_unexpected(kwargs.get("respond"), error, lazy.__name__)

    return run
