"""Post a message exactly once, whatever the network does.

A post whose answer is lost — the connection dropped after Slack took it, a 5xx, a timeout — may or may not be in the
channel. Retrying blindly (slack_sdk's retry handlers, or Lambda's retries of a failed invocation) posts it twice.
Here every such post carries Slack message ``metadata`` (``event_type`` and ``event_payload.id``: the incident's or
the proposal's key); after an unknown outcome perfbot reads the channel's recent history (``conversations.history``,
or ``conversations.replies`` in a thread, with ``include_all_metadata``) and posts again only if its message is not
there. Only 429s are retried without looking: Slack did nothing then.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.retries import rate_limit_only

logger = logging.getLogger(__name__)

ATTEMPTS = 3
LOOKBACK = 100  # recent messages searched for the key (a post is found within seconds of being made)
SLACK_CLOCK_SKEW_S = 60  # Slack's ts is its clock, not ours: look a little further back


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str
    found: bool = False  # True: the post had already happened (found by its metadata), nothing was posted again


class UnknownOutcome(Exception):
    """Slack's answer was lost; ``cause`` is how."""


def metadata(event_type: str, key: str) -> dict[str, Any]:
    return {"event_type": event_type, "event_payload": {"id": key}}


def post_once(
    client: Any,
    *,
    channel: str,
    event_type: str,
    key: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    **extra: Any,
) -> Posted:
    """chat.postMessage, at most once per ``(event_type, key)`` in ``channel`` (a channel ID, or a name perfbot's
    channel directory resolves); a refusal (``ok: false``) raises as usual."""
    poster = _poster(client)
    since = time.time() - SLACK_CLOCK_SKEW_S
    lost: Exception | None = None
    for attempt in range(ATTEMPTS):
        try:
            answer = poster.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                metadata=metadata(event_type, key),
                **extra,
            )
            return Posted(str(answer["channel"]), str(answer["ts"]))
        except SlackApiError as exc:
            if exc.response.status_code < 500:
                raise  # Slack refused: nothing was posted
            lost = exc
        except OSError as exc:  # dropped connection, reset, timeout (URLError and RemoteDisconnected included)
            lost = exc
        logger.warning("slack_post_outcome_unknown", extra={"key": key, "attempt": attempt + 1, "error": str(lost)})
        found = find_posted(client, channel, event_type, key, thread_ts=thread_ts, since=since)
        if found is not None:
            return found
    raise UnknownOutcome(f"posting {event_type} {key}: {lost}") from lost


def find_posted(
    client: Any, channel: str, event_type: str, key: str, *, thread_ts: str | None = None, since: float = 0.0
) -> Posted | None:
    """The message perfbot posted with this key, from the channel's (or the thread's) recent history; None if none."""
    from bot.slack.channels import channel_directory, is_channel_id

    try:
        channel_id = channel if is_channel_id(channel) else channel_directory(client).channel_id(channel)
        args: dict[str, Any] = {"channel": channel_id, "oldest": f"{since:.6f}", "limit": LOOKBACK}
        if thread_ts:
            answer = client.conversations_replies(ts=thread_ts, include_all_metadata=True, **args)
        else:
            answer = client.conversations_history(include_all_metadata=True, **args)
    except (SlackApiError, OSError, LookupError) as exc:
        logger.warning("slack_post_lookup_failed", extra={"key": key, "error": str(exc)})
        return None
    for message in answer.get("messages") or []:
        meta = message.get("metadata") or {}
        if meta.get("event_type") == event_type and (meta.get("event_payload") or {}).get("id") == key:
            return Posted(channel_id, str(message["ts"]), found=True)
    return None


def _poster(client: Any) -> Any:
    """``client`` without its retries on unknown outcomes (429s still wait and retry)."""
    if not isinstance(client, WebClient):
        return client
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        headers=client.headers,
        retry_handlers=rate_limit_only(),
    )
