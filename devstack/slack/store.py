"""The emulator's workspace state, behind one lock.

HTTP handler threads and the test thread read and write it concurrently, so every public method takes the
lock and readers get copies: a test never sees a half-applied update and never mutates the store by accident.
IDs are derived from names (channels) or counters so transcripts are stable from run to run.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from devstack.slack.models import Call, Channel, File, Message, Refusal, User
from devstack.slack.ratelimit import RateLimiter

USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")
TS = re.compile(r"^\d{1,12}\.\d{1,6}$")


class SlackError(Exception):
    """An API error: ``code`` becomes ``error``, ``messages`` becomes ``response_metadata.messages``."""

    def __init__(self, code: str, messages: list[str] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.messages = messages or []


def stable_id(prefix: str, key: str) -> str:
    return prefix + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:10].upper()


def snapshot(message: Message) -> Message:
    """A copy that shares nothing mutable with the store."""
    return replace(
        message,
        blocks=list(message.blocks),
        files=list(message.files),
        reply_users=list(message.reply_users),
        attachments=list(message.attachments),
        reactions={k: list(v) for k, v in message.reactions.items()},
    )


@dataclass
class Store:
    bot_token: str
    bot_name: str = "perfbot"
    team_id: str = "T0PERFBOT"
    team_name: str = "perfbot-dev"
    bot_user_id: str = "U0PERFBOT"
    bot_id: str = "B0PERFBOT"
    clock: Callable[[], float] = time.time
    base_url: str = "http://127.0.0.1/"
    lock: threading.RLock = field(default_factory=threading.RLock)
    users: dict[str, User] = field(default_factory=dict)
    usergroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    top: dict[str, list[Message]] = field(default_factory=dict)
    threads: dict[tuple[str, str], list[Message]] = field(default_factory=dict)
    index: dict[tuple[str, str], Message] = field(default_factory=dict)
    ephemerals: list[Message] = field(default_factory=list)
    files: dict[str, File] = field(default_factory=dict)
    views: list[dict[str, Any]] = field(default_factory=list)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)  # user ID → their published App Home view
    used_triggers: set[str] = field(default_factory=set)
    triggers: dict[str, float] = field(default_factory=dict)  # trigger_id → when the emulator issued it (clock)
    trigger_users: dict[str, str] = field(default_factory=dict)  # trigger_id → whose click or command carried it
    open_modals: dict[str, str | None] = field(default_factory=dict)  # view ID → its user, until submitted/closed
    calls: Counter[str] = field(default_factory=Counter)
    call_log: list[Call] = field(default_factory=list)
    limited: Counter[str] = field(default_factory=Counter)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    granted: frozenset[str] = frozenset()  # the bot token's scopes
    scopes_ever: set[str] = field(default_factory=set)  # every scope a call needed, kept across reset()
    refusals: list[Refusal] = field(default_factory=list)
    expected: list[tuple[str | None, str | None]] = field(default_factory=list)
    seq: int = 0
    last_ts: int = 0

    def __post_init__(self) -> None:
        self.users[self.bot_user_id] = User(self.bot_user_id, self.bot_name, self.bot_name, is_bot=True)

    # -- ids and bookkeeping -------------------------------------------------------------------------------
    def next_id(self, prefix: str) -> str:
        with self.lock:
            self.seq += 1
            return f"{prefix}{self.seq:010X}"

    def new_ts(self) -> str:
        """Unique and increasing, ``1764180000.000100`` style (epoch seconds, microseconds)."""
        with self.lock:
            self.last_ts = max(int(self.clock() * 1_000_000), self.last_ts + 1)
            return f"{self.last_ts // 1_000_000}.{self.last_ts % 1_000_000:06d}"

    def record(self, call: Call) -> None:
        """Count a request (every one, including those refused with an error or a 429)."""
        with self.lock:
            self.calls[call.method] += 1
            self.call_log.append(call)
            self.scopes_ever.update(call.scopes)

    def refuse(self, refusal: Refusal) -> None:
        with self.lock:
            self.refusals.append(refusal)

    def is_expected(self, refusal: Refusal) -> bool:
        with self.lock:
            return any(m in (None, refusal.method) and e in (None, refusal.error) for m, e in self.expected)

    def throttle(self, method: str, channel: str | None, token: str = "") -> int | None:
        """Retry-After seconds when this call must be answered with HTTP 429, else ``None``."""
        with self.lock:
            retry_after = self.limiter.check(method, channel, token)
            if retry_after is not None:
                self.limited[method] += 1
            return retry_after

    def reset(self) -> None:
        with self.lock:
            for registry in (self.top, self.threads, self.index, self.files):
                registry.clear()
            self.ephemerals.clear()
            self.views.clear()
            self.homes.clear()
            self.used_triggers.clear()
            self.triggers.clear()
            self.trigger_users.clear()
            self.open_modals.clear()
            self.calls.clear()
            self.call_log.clear()
            self.limited.clear()
            self.limiter.reset()
            self.refusals.clear()
            self.expected.clear()

    # -- directory -----------------------------------------------------------------------------------------
    def add_user(self, user: User) -> None:
        with self.lock:
            self.users[user.id] = user

    def user_name(self, user_id: str) -> str | None:
        with self.lock:
            user = self.users.get(user_id)
            return user.name if user else None

    def add_channel(
        self, name: str, *, is_private: bool = False, bot_member: bool = True, members: Iterable[str] = ()
    ) -> str:
        """A channel (``C`` + 10 characters, private ones too, as Slack's IDs are today); an existing name keeps
        its channel as it is."""
        name = name.lstrip("#")
        with self.lock:
            if name in self.names:
                return self.names[name]
            channel = Channel(
                stable_id("C", name), name, is_private=is_private, bot_member=bot_member, members=set(members)
            )
            self.channels[channel.id] = channel
            self.names[name] = channel.id
            return channel.id

    def add_dm(self, user_a: str, user_b: str) -> str:
        """A direct message between two users; the bot is not in it (it can answer there only via response_url)."""
        pair = sorted((user_a, user_b))
        with self.lock:
            dm = Channel(
                stable_id("D", "+".join(pair)),
                ",".join(self.user_name(u) or u for u in pair),
                is_im=True,
                bot_member=False,
                members=set(pair),
            )
            return self.channels.setdefault(dm.id, dm).id

    def bot_dm(self, user: str) -> Channel:
        """The bot's own DM with ``user`` (Slack opens it when the bot posts to a user ID)."""
        with self.lock:
            dm = Channel(stable_id("D", user), self.users[user].name, is_im=True, members={user})
            return self.channels.setdefault(dm.id, dm)

    def set_bot_member(self, channel_id: str, member: bool) -> None:
        with self.lock:
            channel = self.channels.get(channel_id)
            if channel is None or channel.is_im:
                raise SlackError("channel_not_found")
            channel.bot_member = member

    def conversation(self, value: str, *, names: bool = False) -> Channel | None:
        """The conversation with ID ``value``; with ``names`` also a ``#name``/``name`` or a user ID (the bot's DM).
        ``None`` when there is none (visibility to the bot is the caller's business)."""
        value = value.strip()
        with self.lock:
            if value in self.channels:
                return self.channels[value]
            if not names:
                return None
            if value in self.users:
                return self.bot_dm(value)
            channel_id = self.names.get(value.lstrip("#"))
            return self.channels[channel_id] if channel_id else None

    def resolve_channel(self, value: Any) -> str:
        """The ID for an ID, ``#name``/``name`` or user ID, whether or not the bot may see it (for tests)."""
        channel = self.conversation(value, names=True) if isinstance(value, str) and value.strip() else None
        if channel is None:
            raise SlackError("channel_not_found")
        return channel.id

    def channel_label(self, channel_id: str) -> str:
        """``#name`` for channels, ``@user`` for direct messages."""
        with self.lock:
            channel = self.channels.get(channel_id)
            if channel is None:
                return channel_id
            return f"{'@' if channel.is_im else '#'}{channel.name}"

    # -- messages ------------------------------------------------------------------------------------------
    def thread_root(self, channel: str, thread_ts: Any) -> str:
        """The parent ts for a reply; a reply's own ts is mapped to its parent like Slack does."""
        if not isinstance(thread_ts, str) or not TS.match(thread_ts):
            raise SlackError("invalid_thread_ts")
        parent = self.index.get((channel, thread_ts))
        if parent is None:
            raise SlackError("thread_not_found")
        return parent.thread_ts if parent.is_reply and parent.thread_ts else parent.ts

    def post(self, message: Message, *, broadcast: bool = False) -> Message:
        """Store a new message (``message.thread_ts`` as given by the caller); returns a snapshot."""
        with self.lock:
            root = self.thread_root(message.channel, message.thread_ts) if message.thread_ts else None
            message.ts = self.new_ts()
            message.user = message.user or self.bot_user_id
            message.bot_id = message.bot_id or self.bot_id
            if root is not None:
                message.thread_ts = root
                parent = self.index[(message.channel, root)]
                parent.thread_ts = root
                parent.reply_count += 1
                parent.latest_reply = message.ts
                if message.user not in parent.reply_users:
                    parent.reply_users.append(message.user)
                self.threads.setdefault((message.channel, root), []).append(message)
                if broadcast:
                    message.subtype = "thread_broadcast"
                    self.top.setdefault(message.channel, []).append(message)
            else:
                self.top.setdefault(message.channel, []).append(message)
            self.index[(message.channel, message.ts)] = message
            return snapshot(message)

    def post_ephemeral(self, message: Message) -> Message:
        with self.lock:
            message.ts = self.new_ts()
            message.user = message.user or self.bot_user_id
            message.bot_id = message.bot_id or self.bot_id
            self.ephemerals.append(message)
            return snapshot(message)

    def find(self, channel: str, ts: Any) -> Message:
        with self.lock:
            message = self.index.get((channel, ts)) if isinstance(ts, str) else None
            if message is None:
                raise SlackError("message_not_found")
            return message

    def update(self, channel: str, ts: Any, changes: dict[str, Any]) -> Message:
        """Apply ``changes`` (text/blocks/attachments/metadata) to a stored message and mark it edited."""
        with self.lock:
            message = self.find(channel, ts)
            for key, value in changes.items():
                setattr(message, key, value)
            message.edited = True
            return snapshot(message)

    def delete(self, channel: str, ts: Any) -> None:
        with self.lock:
            message = self.find(channel, ts)
            del self.index[(channel, message.ts)]
            if message in self.top.get(channel, []):
                self.top[channel].remove(message)
            if message.is_reply and message.thread_ts:
                replies = self.threads.get((channel, message.thread_ts), [])
                if message in replies:
                    replies.remove(message)
                parent = self.index.get((channel, message.thread_ts))
                if parent is not None:
                    parent.reply_count = len(replies)
                    parent.latest_reply = replies[-1].ts if replies else None

    def replace_ephemeral(self, target: Message, changes: dict[str, Any]) -> Message:
        with self.lock:
            for key, value in changes.items():
                setattr(target, key, value)
            target.edited = True
            return snapshot(target)

    def drop_ephemeral(self, target: Message) -> None:
        with self.lock:
            if target in self.ephemerals:
                self.ephemerals.remove(target)

    # -- reads ---------------------------------------------------------------------------------------------
    def messages(self, channel: str) -> list[Message]:
        with self.lock:
            return [snapshot(m) for m in self.top.get(channel, [])]

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        with self.lock:
            return [snapshot(m) for m in self.threads.get((channel, thread_ts), [])]

    def ephemeral_messages(self, channel: str | None, user: str | None) -> list[Message]:
        with self.lock:
            return [
                snapshot(m)
                for m in self.ephemerals
                if (channel is None or m.channel == channel) and (user is None or m.ephemeral_user == user)
            ]

    def channels_with_activity(self) -> list[str]:
        with self.lock:
            seen = [c for c in self.channels if self.top.get(c)]
            seen += [m.channel for m in self.ephemerals if m.channel not in seen]
            return list(dict.fromkeys(seen))
