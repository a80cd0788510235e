"""slack_sdk's retries, limited to calls that are safe to repeat.

A 429 is always retried (Slack did nothing). A 500/503 or a dropped connection leaves the outcome unknown: repeating
``chat.update`` or a read is harmless, repeating ``chat.postMessage`` may post twice — a post that must happen once
goes through :mod:`bot.slack.post_once`, which looks before it posts again.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

NOT_REPEATABLE = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.upload",
        "files.completeUploadExternal",
        "conversations.create",
    }
)


def method_of(request: Any) -> str:
    """The Web API method a retried request called (the last segment of its URL)."""
    return str(getattr(request, "url", "")).partition("?")[0].rstrip("/").rpartition("/")[2]


class RepeatableServerErrorRetryHandler(ServerErrorRetryHandler):
    """Slack's 500/503, retried only where repeating the call cannot do it twice."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return method_of(request) not in NOT_REPEATABLE and super()._can_retry(
            state=state, request=request, response=response, error=error
        )


class RepeatableConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """A dropped connection, retried only where repeating the call cannot do it twice."""

    def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
        return method_of(request) not in NOT_REPEATABLE and super()._can_retry(
            state=state, request=request, response=response, error=error
        )


def retry_handlers() -> list[RetryHandler]:
    return [
        RepeatableConnectionErrorRetryHandler(max_retry_count=2),
        RepeatableServerErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
    ]


def rate_limit_only() -> list[RetryHandler]:
    """For a caller that handles unknown outcomes itself (bot.slack.post_once)."""
    return [RateLimitErrorRetryHandler(max_retry_count=3)]
