"""The bot token's scopes (read from the app manifest) and the scopes each Web API method needs.

``METHOD_SCOPES`` is Slack's method reference (docs.slack.dev/reference/methods, "Required scopes", bot token): a
tuple means "any one of these". The conversations.* methods want the scope of the conversation's kind
(``channels:read`` for a public channel, ``groups:read`` for a private one, ``im:read``, ``mpim:read``; ``*:history``
likewise), and conversations.list one per requested ``types`` — Slack answers ``missing_scope`` naming the first
missing one, with ``needed`` and ``provided`` (comma-separated) like::

    {"ok": false, "error": "missing_scope", "needed": "groups:read", "provided": "commands,chat:write"}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from devstack.slack.models import Channel

MANIFEST = Path(__file__).resolve().parents[2] / "infra" / "slack-app-manifest.yml"

READ = ("channels:read", "groups:read", "im:read", "mpim:read")
HISTORY = ("channels:history", "groups:history", "im:history", "mpim:history")
KINDS = ("public_channel", "private_channel", "im", "mpim")  # in the order of READ / HISTORY

METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "api.test": (),
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.getPermalink": (),
    "conversations.info": READ,
    "conversations.list": READ,
    "conversations.history": HISTORY,
    "conversations.replies": HISTORY,
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
    "files.info": ("files:read",),
    "users.info": ("users:read",),
    "users.list": ("users:read",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "views.open": (),
    "views.push": (),
    "views.update": (),
    "views.publish": (),  # no scope; the Home tab must be enabled in the manifest (api_views)
}
PER_KIND = {"conversations.info", "conversations.history", "conversations.replies"}
PUBLIC_POSTING = "chat:write.public"  # posting into a public channel the bot is not in (membership.py)
ALL_SCOPES = frozenset({s for group in METHOD_SCOPES.values() for s in group} | {PUBLIC_POSTING, "commands"})


def manifest_scopes(path: Path = MANIFEST) -> frozenset[str]:
    """``oauth_config.scopes.bot`` of the Slack app manifest."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    bot = (((data or {}).get("oauth_config") or {}).get("scopes") or {}).get("bot") or []
    return frozenset(str(s) for s in bot)


def granted(scopes: Iterable[str] | None) -> frozenset[str]:
    return manifest_scopes() if scopes is None else frozenset(scopes)


def _types(args: Mapping[str, Any]) -> list[str]:
    raw = args.get("types")
    words = [t.strip() for t in str(raw).split(",")] if raw else ["public_channel"]
    return [t for t in words if t]


def required(method: str, args: Mapping[str, Any], channel: Channel | None) -> list[tuple[str, ...]]:
    """What this call needs: every group must be granted, any one scope of a group will do."""
    scopes = METHOD_SCOPES.get(method, ())
    if not scopes:
        return []
    if method == "conversations.list":
        return [(READ[KINDS.index(t)],) for t in _types(args) if t in KINDS]
    if method in PER_KIND and channel is not None:
        return [(scopes[KINDS.index(channel.kind)],)]
    return [scopes]


def missing(requirements: list[tuple[str, ...]], granted: frozenset[str]) -> str | None:
    """The ``needed`` of Slack's ``missing_scope`` answer, or ``None`` when the token has what the call needs."""
    for group in requirements:
        if not granted.intersection(group):
            return group[0]
    return None


def used(requirements: list[tuple[str, ...]], granted: frozenset[str]) -> frozenset[str]:
    """The scopes a call relied on: each group's granted scope (or the one Slack would name as ``needed``)."""
    names: set[str] = set()
    for group in requirements:
        names.update(sorted(granted.intersection(group))[:1] or group[:1])
    return frozenset(names)
