"""conversations.* methods: what perfbot uses to turn channel names into IDs and to read messages back.

conversations.list shows what a bot token sees: every public channel (``is_member`` says whether the bot joined),
and only the private channels, DMs and group DMs the bot is in; pages follow ``limit`` and ``cursor``
(``response_metadata.next_cursor``, empty on the last page) as Slack's cursor pagination does.

conversations.history and .replies (the ``*:history`` scope of the channel's type, and membership) filter by ``oldest``
and ``latest`` (exclusive unless ``inclusive``) and show a message's ``metadata`` only with ``include_all_metadata``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from devstack.slack.scopes import KINDS
from devstack.slack.store import SlackError, Store, snapshot

Body = dict[str, Any]
MAX_PAGE = 1000  # Slack: "Must be an integer under 1000" (larger values are served as the maximum page)


def _limit(args: Body, default: int = 100) -> int:
    raw = args.get("limit")
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SlackError("invalid_limit") from None
    if value < 0:
        raise SlackError("invalid_limit")
    return min(value or default, MAX_PAGE)


def _cursor(raw: Any) -> int:
    if raw in (None, ""):
        return 0
    try:
        kind, _, offset = base64.b64decode(str(raw), validate=True).decode().partition(":")
        if kind != "offset" or int(offset) < 0:
            raise ValueError(raw)
        return int(offset)
    except ValueError:
        raise SlackError("invalid_cursor") from None


def _next_cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def conversations_info(store: Store, args: Body) -> Body:
    with store.lock:
        return {"channel": store.channels[args["channel"]].to_api()}


def conversations_list(store: Store, args: Body) -> Body:
    # exclude_archived needs no handling: nothing is archived here
    types = [t.strip() for t in str(args.get("types") or "public_channel").split(",") if t.strip()]
    if not types or any(t not in KINDS for t in types):
        raise SlackError("invalid_types")
    start, limit = _cursor(args.get("cursor")), _limit(args)
    with store.lock:
        visible = [
            c.to_api()
            for c in sorted(store.channels.values(), key=lambda c: c.id)
            if c.kind in types and (c.bot_member or c.kind == "public_channel")
        ]
    page = visible[start : start + limit]
    more = start + limit < len(visible)
    return {"channels": page, "response_metadata": {"next_cursor": _next_cursor(start + limit) if more else ""}}


def _truthy(raw: Any) -> bool:
    return str(raw).lower() in ("1", "true")


def _ts_bound(raw: Any, error: str = "invalid_ts_oldest") -> float | None:
    if raw in (None, ""):
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise SlackError(error) from None


def _window(args: Body) -> Callable[[str], bool]:
    """``oldest`` / ``latest`` (exclusive unless ``inclusive``), as conversations.history and .replies filter."""
    oldest, latest = _ts_bound(args.get("oldest")), _ts_bound(args.get("latest"), "invalid_ts_latest")
    inclusive = _truthy(args.get("inclusive"))

    def within(ts: str) -> bool:
        t = float(ts)
        low = oldest is None or (t >= oldest if inclusive else t > oldest)
        high = latest is None or (t <= latest if inclusive else t < latest)
        return low and high

    return within


def _shown(message: Any, team_id: str, metadata: bool) -> Body:
    """A message as history shows it: its ``metadata`` only with ``include_all_metadata``."""
    api = message.to_api(team_id)
    if not metadata:
        api.pop("metadata", None)
    return api


def conversations_history(store: Store, args: Body) -> Body:
    within = _window(args)
    newest_first = [m for m in reversed(store.messages(args["channel"])) if within(m.ts)]
    page = newest_first[: _limit(args)]
    metadata = _truthy(args.get("include_all_metadata"))
    return {
        "messages": [_shown(m, store.team_id, metadata) for m in page],
        "has_more": len(newest_first) > len(page),
        "pin_count": 0,
        "response_metadata": {"next_cursor": ""},
    }


def conversations_replies(store: Store, args: Body) -> Body:
    channel, ts = args["channel"], args.get("ts")
    with store.lock:
        parent = store.index.get((channel, ts)) if isinstance(ts, str) else None
        if parent is None:
            raise SlackError("thread_not_found")
        root = parent.thread_ts if parent.is_reply and parent.thread_ts else parent.ts
        head = snapshot(store.find(channel, root))
    within = _window(args)
    thread = [head, *(m for m in store.replies(channel, root) if within(m.ts))][: _limit(args)]
    metadata = _truthy(args.get("include_all_metadata"))
    return {
        "messages": [_shown(m, store.team_id, metadata) for m in thread],
        "has_more": False,
        "response_metadata": {"next_cursor": ""},
    }


CONVERSATION_METHODS = {
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
}
