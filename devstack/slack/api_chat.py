"""chat.* and reactions.* methods: what perfbot uses to post, thread and edit messages.

Each handler takes the store and the request arguments and returns the success body without ``ok``;
failures raise ``SlackError`` with Slack's error code. The dispatcher has already checked scopes and membership
and replaced the channel argument with the conversation's ID (``membership.check``), so handlers read an ID.
"""

from __future__ import annotations

from typing import Any

from devstack.slack.content import message_content
from devstack.slack.models import Message
from devstack.slack.store import TS, SlackError, Store
from devstack.slack.validation import MAX_UPDATE_TEXT

Body = dict[str, Any]


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true")) or value == 1


def chat_post_message(store: Store, args: Body) -> Body:
    channel = args["channel"]
    content = message_content(args)
    username = args.get("username") if isinstance(args.get("username"), str) else None
    message = Message(channel=channel, ts="", thread_ts=args.get("thread_ts") or None, username=username, **content)
    stored = store.post(message, broadcast=_flag(args.get("reply_broadcast")))
    return {"channel": channel, "ts": stored.ts, "message": stored.to_api(store.team_id)}


def chat_post_ephemeral(store: Store, args: Body) -> Body:
    channel = args["channel"]
    user = args.get("user")
    with store.lock:
        if not isinstance(user, str) or user not in store.users:
            raise SlackError("user_not_found")
        if not store.channels[channel].has_member(user):
            raise SlackError("user_not_in_channel")
    content = message_content(args)
    thread_ts = args.get("thread_ts") or None
    message = Message(channel=channel, ts="", thread_ts=thread_ts, ephemeral_user=user, **content)
    stored = store.post_ephemeral(message)
    return {"message_ts": stored.ts}


def chat_update(store: Store, args: Body) -> Body:
    channel = args["channel"]
    store.find(channel, args.get("ts"))
    changes = message_content(args, partial=True, text_limit=MAX_UPDATE_TEXT)
    updated = store.update(channel, args.get("ts"), changes)
    return {
        "channel": channel,
        "ts": updated.ts,
        "text": updated.text,
        "message": updated.to_api(store.team_id),
    }


def chat_delete(store: Store, args: Body) -> Body:
    channel = args["channel"]
    store.delete(channel, args.get("ts"))
    return {"channel": channel, "ts": args.get("ts")}


def chat_get_permalink(store: Store, args: Body) -> Body:
    channel = args["channel"]
    message = store.find(channel, args.get("message_ts"))
    return {"channel": channel, "permalink": f"{store.base_url}archives/{channel}/p{message.ts.replace('.', '')}"}


def _reaction_target(store: Store, args: Body) -> Message:
    """The message ``channel`` + ``timestamp`` name (the only kind of item the emulator has)."""
    timestamp = args.get("timestamp")
    if not args.get("channel") or timestamp in (None, ""):
        raise SlackError("no_item_specified")
    if not isinstance(timestamp, str) or not TS.match(timestamp):
        raise SlackError("bad_timestamp")
    return store.find(args["channel"], timestamp)


def reactions_add(store: Store, args: Body) -> Body:
    name = str(args.get("name") or "").strip(":")
    if not name:
        raise SlackError("invalid_name")
    with store.lock:
        message = _reaction_target(store, args)
        users = message.reactions.setdefault(name, [])
        if store.bot_user_id in users:
            raise SlackError("already_reacted")
        users.append(store.bot_user_id)
    return {}


def reactions_remove(store: Store, args: Body) -> Body:
    name = str(args.get("name") or "").strip(":")
    if not name:
        raise SlackError("invalid_name")
    with store.lock:
        message = _reaction_target(store, args)
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
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
}
