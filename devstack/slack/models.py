"""What the emulator remembers: messages, files, users, channels, and the call log.

Plain dataclasses so tests and the demo can read them without knowing Slack's JSON; ``to_api`` methods
produce the JSON shapes Slack's Web API returns, so the same objects serve both sides.
"""

from __future__ import annotations

import builtins
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from devstack.slack.flatten import blocks_to_lines, mrkdwn_to_plain


class Call(NamedTuple):
    """One API request as the emulator saw it; ``at`` is ``time.monotonic()`` for benchmarks.

    ``channel`` is the conversation ID when the call named one the emulator knows (else the raw argument);
    ``scopes`` are the bot scopes this call needed (see ``scopes.required``), also for refused calls."""

    method: str
    at: float
    channel: str | None
    scopes: frozenset[str] = frozenset()


class Refusal(NamedTuple):
    """A call Slack would refuse: ``ok: false``, HTTP 429, a response_url or an upload error.

    ``method`` is the Web API method, or ``"response_url"`` / ``"upload"``; ``detail`` is the extra Slack gives
    (``needed=…``, ``Retry-After=…``, the ``response_metadata.messages``), empty when there is none."""

    method: str
    error: str
    channel: str | None
    detail: str = ""


@dataclass
class File:
    """An uploaded file (files v2 flow). ``bytes`` is the content exactly as uploaded."""

    id: str
    name: str
    title: str
    bytes: builtins.bytes = b""
    channel: str | None = None
    thread_ts: str | None = None
    uploaded: bool = False
    alt_txt: str | None = None
    width: int | None = None
    height: int | None = None
    filetype: str = "binary"
    mimetype: str = "application/octet-stream"
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def size(self) -> int:
        return len(self.bytes)

    @property
    def content(self) -> builtins.bytes:
        return self.bytes

    def describe(self) -> str:
        """``graph.png 1024x400 PNG`` — what the transcript shows for the file."""
        dims = f" {self.width}x{self.height}" if self.width and self.height else ""
        return f"{self.name}{dims} {self.filetype.upper()}"

    def to_api(self, base_url: str) -> dict[str, Any]:
        """The file object shape of files.completeUploadExternal / files.info."""
        api: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": "",
            "size": self.size,
            "mode": "hosted",
            "is_external": False,
            "is_public": True,
            "url_private": f"{base_url}files/{self.id}/{self.name}",
            "url_private_download": f"{base_url}files/{self.id}/{self.name}?download=1",
            "permalink": f"{base_url}files/{self.id}",
            "channels": [self.channel] if self.channel else [],
            "groups": [],
            "ims": [],
        }
        if self.width and self.height:
            api["original_w"], api["original_h"] = self.width, self.height
        if self.alt_txt:
            api["alt_txt"] = self.alt_txt
        return api


@dataclass
class Message:
    """A message in a channel (or an ephemeral one, when ``ephemeral_user`` is set), in its latest state."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    reply_count: int = 0
    latest_reply: str | None = None
    reply_users: list[str] = field(default_factory=list)
    files: list[File] = field(default_factory=list)
    edited: bool = False
    ephemeral_user: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    subtype: str | None = None
    username: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    via_response_url: bool = False

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def ephemeral(self) -> bool:
        return self.ephemeral_user is not None

    def plain_text(self) -> str:
        """Readable text: the flattened blocks (Slack shows blocks, ``text`` is only the fallback)."""
        lines = blocks_to_lines(self.blocks) if self.blocks else []
        if not lines and self.text:
            lines = [mrkdwn_to_plain(self.text)]
        for attachment in self.attachments:
            lines.extend(_attachment_lines(attachment))
        return "\n".join(lines)

    def to_api(self, team_id: str) -> dict[str, Any]:
        """The message object shape Slack returns from chat.postMessage and conversations.history."""
        api: dict[str, Any] = {"type": "message", "text": self.text, "ts": self.ts, "team": team_id}
        if self.user:
            api["user"] = self.user
        if self.bot_id:
            api["bot_id"] = self.bot_id
            api["app_id"] = "A0PERFBOT"
        optional: dict[str, Any] = {
            "subtype": self.subtype,
            "username": self.username,
            "blocks": self.blocks or None,
            "attachments": self.attachments or None,
            "metadata": self.metadata,
            "thread_ts": self.thread_ts,
        }
        api.update({k: v for k, v in optional.items() if v is not None})
        if self.thread_ts == self.ts and self.reply_count:
            api.update(
                reply_count=self.reply_count,
                reply_users=list(self.reply_users),
                reply_users_count=len(self.reply_users),
                latest_reply=self.latest_reply,
            )
        if self.edited:
            api["edited"] = {"user": self.user, "ts": self.ts}
        if self.files:
            api["files"] = [{"id": f.id, "name": f.name, "title": f.title} for f in self.files]
        if self.reactions:
            api["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)} for name, users in self.reactions.items()
            ]
        return api


@dataclass
class User:
    """A workspace member; ``to_api`` is the users.info user object."""

    id: str
    name: str
    real_name: str
    is_admin: bool = False
    is_bot: bool = False
    email: str | None = None
    tz: str = "UTC"

    def to_api(self, team_id: str) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 0,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1764180000,
        }


@dataclass
class Channel:
    """A conversation: public or private channel, a DM (``is_im``) or a group DM (``is_mpim``).

    ``bot_member`` says whether perfbot is in it; ``members`` are the other users (for a public channel an empty
    set means "everyone", the usual test setup; private channels and DMs list theirs)."""

    id: str
    name: str
    created: int = field(default_factory=lambda: int(time.time()))
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    bot_member: bool = True
    members: set[str] = field(default_factory=set)

    @property
    def kind(self) -> str:
        """Slack's ``types`` word for it: ``public_channel``, ``private_channel``, ``im`` or ``mpim``."""
        if self.is_im:
            return "im"
        if self.is_mpim:
            return "mpim"
        return "private_channel" if self.is_private else "public_channel"

    def has_member(self, user: str) -> bool:
        return user in self.members or (not self.members and self.kind == "public_channel")

    def to_api(self) -> dict[str, Any]:
        api: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "is_channel": self.kind in ("public_channel", "private_channel"),
            "is_group": False,
            "is_im": self.is_im,
            "is_mpim": self.is_mpim,
            "is_private": self.kind != "public_channel",
            "is_archived": False,
        }
        if self.is_im:
            return api | {"user": next(iter(sorted(self.members)), ""), "is_user_deleted": False}
        return api | {
            "name": self.name,
            "name_normalized": self.name,
            "is_general": self.name == "general",
            "is_member": self.bot_member,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


def _attachment_lines(attachment: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for key in ("pretext", "title", "text"):
        value = attachment.get(key)
        if isinstance(value, str) and value:
            lines.append(mrkdwn_to_plain(value))
    blocks = attachment.get("blocks")
    if isinstance(blocks, list):
        lines.extend(blocks_to_lines(blocks))
    if not lines and isinstance(attachment.get("fallback"), str):
        lines.append(mrkdwn_to_plain(attachment["fallback"]))
    return lines
