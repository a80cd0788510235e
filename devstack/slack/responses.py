"""response_url: the per-interaction webhook Slack hands to slash commands and button clicks.

A POST carries ``text``/``blocks`` and ``response_type`` (``ephemeral`` by default, or ``in_channel``),
``replace_original``, ``delete_original`` and ``thread_ts``. Like Slack it answers plain text: ``ok``, or an
error word with HTTP 400/404 (``invalid_payload``, ``no_text``, ``invalid_blocks``…), which is logged as a
``Refusal("response_url", …)``. It needs no scope and no membership: it works in private channels and DMs the bot
is not in, ``in_channel`` answers included, as Slack documents.

"Original" means the message the interaction came from when the URL was minted with ``message_ts`` (a button
on a channel message), otherwise the last message posted through the URL (a slash command's first reply).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from devstack.slack.content import message_content
from devstack.slack.models import Message, Refusal
from devstack.slack.store import SlackError, Store


@dataclass
class ResponseUrl:
    channel: str
    user: str
    message_ts: str | None = None
    last: Message | None = None
    uses: int = 0


class ResponseUrls:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.urls: dict[str, ResponseUrl] = {}

    def mint(self, channel: str, user: str, message_ts: str | None = None) -> str:
        token = secrets.token_hex(12)
        with self.store.lock:
            self.urls[token] = ResponseUrl(channel=channel, user=user, message_ts=message_ts)
        return f"{self.store.base_url}response/{token}"

    def reset(self) -> None:
        with self.store.lock:
            self.urls.clear()

    def _original(self, url: ResponseUrl) -> Message | None:
        if url.message_ts is not None:
            return self.store.index.get((url.channel, url.message_ts))
        last = url.last
        if last is None:
            return None
        if last.ephemeral_user:
            return last if any(m is last for m in self.store.ephemerals) else None
        return self.store.index.get((url.channel, last.ts))

    def post(self, token: str, raw: bytes) -> tuple[int, str]:
        """Handle one POST to a response_url; returns (HTTP status, plain-text body). Errors are refusals."""
        with self.store.lock:
            url = self.urls.get(token)
        status, answer, messages = self._answer(url, raw)
        if status != 200:
            detail = "; ".join([f"HTTP {status}", *messages])
            self.store.refuse(Refusal("response_url", answer, url.channel if url else None, detail))
        return status, answer

    def _answer(self, url: ResponseUrl | None, raw: bytes) -> tuple[int, str, list[str]]:
        if url is None:
            return 404, "no_service", []
        try:
            payload = json.loads(raw.decode("utf-8") or "null")
        except (UnicodeDecodeError, ValueError):
            payload = None
        if not isinstance(payload, dict):
            return 400, "invalid_payload", []
        try:
            self._apply(url, payload)
        except SlackError as exc:
            return (404 if exc.code == "channel_not_found" else 400), exc.code, exc.messages
        return 200, "ok", []

    def _apply(self, url: ResponseUrl, payload: dict[str, Any]) -> None:
        with self.store.lock:
            url.uses += 1
            original = self._original(url)
            if payload.get("delete_original") in (True, "true"):
                self._delete(original)
                return
            content = message_content(payload)
            if payload.get("replace_original") in (True, "true") and original is not None:
                url.last = self._replace(original, content)
            else:
                url.last = self._post(url, payload, content)

    def _delete(self, original: Message | None) -> None:
        if original is None:
            return
        if original.ephemeral_user:
            self.store.drop_ephemeral(original)
        else:
            self.store.delete(original.channel, original.ts)

    def _replace(self, original: Message, content: dict[str, Any]) -> Message:
        if original.ephemeral_user:
            self.store.replace_ephemeral(original, content)
            return original
        self.store.update(original.channel, original.ts, content)
        return self.store.index[(original.channel, original.ts)]

    def _post(self, url: ResponseUrl, payload: dict[str, Any], content: dict[str, Any]) -> Message:
        thread_ts = payload.get("thread_ts") or None
        message = Message(channel=url.channel, ts="", thread_ts=thread_ts, via_response_url=True, **content)
        if payload.get("response_type") == "in_channel":
            posted = self.store.post(message)
            return self.store.index[(url.channel, posted.ts)]
        if thread_ts:
            message.thread_ts = self.store.thread_root(url.channel, thread_ts)
        message.ephemeral_user = url.user
        self.store.post_ephemeral(message)
        return message
