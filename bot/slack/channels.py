"""Channel references from perfbot.yml (``#name``, ``name`` or an ID) → Slack channel IDs, resolved once per container.

Slack's methods other than posting take a channel **ID** only (``chat.update``, ``chat.delete``, ``reactions.*``,
``files.completeUploadExternal``…), so perfbot resolves a configured name once and stores the ID wherever it records a
message (incidents, proposals, storm digests). Resolution reads ``conversations.list`` (public channels need the
``channels:read`` scope, private channels the bot was invited to need ``groups:read``; both are in the manifest). A
configured ID is used as it is, without any call: large workspaces should configure IDs.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")
RELOAD_AFTER_S = 60.0  # a name that was not there may be a channel created since: look again, at most once a minute
PAGE_SIZE = 1000  # conversations.list's maximum; Slack recommends ≤ 200 but fewer pages mean fewer Tier 2 calls


class ChannelNotFound(LookupError):
    """A configured channel name that Slack does not show perfbot."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"#{name} is not a channel perfbot can see. Check the name in perfbot.yml; for a private channel, "
            f"/invite @perfbot there first (or configure the channel by its ID)."
        )
        self.name = name


def is_channel_id(ref: str) -> bool:
    return bool(CHANNEL_ID.match(ref.strip()))


class ChannelDirectory:
    """Names to IDs from ``conversations.list``, loaded on the first name asked for and kept for the container."""

    def __init__(self, client: Any, *, clock: Any = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._ids: dict[str, str] = {}
        self._loaded_at: float | None = None
        self._lock = threading.Lock()

    def channel_id(self, ref: str) -> str:
        """The ID of ``ref``; raises :class:`ChannelNotFound` for a name Slack does not show perfbot."""
        ref = ref.strip()
        if is_channel_id(ref):
            return ref
        name = ref.lstrip("#").lower()
        with self._lock:
            found = self._ids.get(name)
            stale = self._loaded_at is None or self._clock() - self._loaded_at >= RELOAD_AFTER_S
            if found is None and stale:
                self._ids = self._load()
                self._loaded_at = self._clock()
                found = self._ids.get(name)
        if found is None:
            raise ChannelNotFound(name)
        return found

    def forget(self) -> None:
        with self._lock:
            self._ids, self._loaded_at = {}, None

    def _load(self) -> dict[str, str]:
        ids: dict[str, str] = {}
        pages = self._client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=PAGE_SIZE
        )
        for page in pages:  # slack_sdk follows response_metadata.next_cursor
            for channel in page.get("channels", []):
                ids[str(channel["name"]).lower()] = str(channel["id"])
        return ids


_lock = threading.Lock()
_directories: dict[tuple[str, str], ChannelDirectory] = {}


def channel_directory(client: Any) -> ChannelDirectory:
    """One directory per Slack endpoint and token in this container."""
    key = (str(client.base_url), str(client.token))
    with _lock:
        if key not in _directories:
            _directories[key] = ChannelDirectory(client)
        return _directories[key]


def reset_channel_directories() -> None:
    """Forget every resolution, also in directories already handed out (tests change channels between cases)."""
    with _lock:
        for directory in _directories.values():
            directory.forget()
