"""chat.* and conversations.* methods: what perfbot uses to post, thread, edit and read messages.

Each handler takes the store and the request arguments and returns the success body without ``ok``;
failures raise ``SlackError`` with Slack's error code.
"""

from __future__ import annotations

from typing import Any

from bot.devstack.slack.content import message_content
from bot.devstack.slack.models import Message
from bot.devstack.slack.store import SlackError, Store, snapshot

Body = dict[str, Any]


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true")) or value == 1


def chat_post_message(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"))
    content = message_content(args)
    username = args.get("username") if isinstance(args.get("username"), str) else None
    message = Message(channel=channel, ts="", thread_ts=args.get("thread_ts") or None, username=username, **content)
    stored = store.post(message, broadcast=_flag(args.get("reply_broadcast")))
    return {"channel": channel, "ts": stored.ts, "message": stored.to_api(store.team_id)}


def chat_post_ephemeral(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"))
    user = args.get("user")
    if not isinstance(user, str) or not user:
        raise SlackError("user_not_found")
    content = message_content(args)
    thread_ts = args.get("thread_ts") or None
    message = Message(channel=channel, ts="", thread_ts=thread_ts, ephemeral_user=user, **content)
    stored = store.post_ephemeral(message)
    return {"message_ts": stored.ts}


def chat_update(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"), create=False)
    store.find(channel, args.get("ts"))
    changes = message_content(args, partial=True)
    updated = store.update(channel, args.get("ts"), changes)
    return {
        "channel": channel,
        "ts": updated.ts,
        "text": updated.text,
        "message": updated.to_api(store.team_id),
    }


def chat_delete(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"), create=False)
    store.delete(channel, args.get("ts"))
    return {"channel": channel, "ts": args.get("ts")}


def chat_get_permalink(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"), create=False)
    message = store.find(channel, args.get("message_ts"))
    return {"channel": channel, "permalink": f"{store.base_url}archives/{channel}/p{message.ts.replace('.', '')}"}


def conversations_info(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"), create=False)
    with store.lock:
        return {"channel": store.channels[channel].to_api()}


def _limit(args: Body) -> int:
    try:
        return max(1, min(999, int(args.get("limit") or 100)))
    except (TypeError, ValueError):
        return 100


def conversations_history(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"), create=False)
    newest_first = list(reversed(store.messages(channel)))
    page = newest_first[: _limit(args)]
    return {
        "messages": [m.to_api(store.team_id) for m in page],
        "has_more": len(newest_first) > len(page),
        "pin_count": 0,
        "response_metadata": {"next_cursor": ""},
    }


def conversations_replies(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"), create=False)
    with store.lock:
        parent = snapshot(store.find(channel, args.get("ts")))
    root = parent.thread_ts if parent.is_reply and parent.thread_ts else parent.ts
    with store.lock:
        head = snapshot(store.find(channel, root))
    thread = [head, *store.replies(channel, root)][: _limit(args)]
    return {
        "messages": [m.to_api(store.team_id) for m in thread],
        "has_more": False,
        "response_metadata": {"next_cursor": ""},
    }


def reactions_add(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"), create=False)
    name = str(args.get("name") or "").strip(":")
    if not name:
        raise SlackError("invalid_name")
    with store.lock:
        message = store.find(channel, args.get("timestamp"))
        users = message.reactions.setdefault(name, [])
        if store.bot_user_id in users:
            raise SlackError("already_reacted")
        users.append(store.bot_user_id)
    return {}


def reactions_remove(store: Store, args: Body) -> Body:
    channel = store.resolve_channel(args.get("channel"), create=False)
    name = str(args.get("name") or "").strip(":")
    with store.lock:
        message = store.find(channel, args.get("timestamp"))
        users = message.reactions.get(name, [])
        if store.bot_user_id not in users:
            raise SlackError("no_reaction")
        users.remove(store.bot_user_id)
        if not users:
            del message.reactions[name]
    return {}


CHAT_METHODS = {
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
}
