"""One channel as HTML, as a user of the workspace sees it: top-level messages, each thread under its parent,
edits marked, the ephemeral messages that only this user sees, uploaded files (images shown)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from devstack.web.blocks import BlockRenderer
from devstack.web.mrkdwn import to_html


class ChannelFeed:
    def __init__(self, emulator: Any) -> None:
        self.emu = emulator
        self.renderer = BlockRenderer(emulator.user_name, lambda file_id: f"/files/{file_id}")

    def html(self, channel_id: str, viewer: str) -> str:
        top = [m for m in self.emu.messages(channel_id) if not m.is_reply]
        mine = self.emu.ephemerals(channel_id, viewer)
        threads: dict[str, list[Any]] = {m.ts: self.emu.replies(channel_id, m.ts) for m in top if m.reply_count}
        for message in mine:
            if message.thread_ts and message.thread_ts in threads:
                threads[message.thread_ts].append(message)
            else:
                top.append(message)
        top.sort(key=lambda m: float(m.ts))
        if not top:
            return '<div class="empty">No messages yet. Type <code>/perf help</code> below.</div>'
        parts = []
        for message in top:
            replies = sorted(threads.get(message.ts, []), key=lambda m: float(m.ts))
            inner = "".join(self.message(r, channel_id, reply=True) for r in replies)
            thread = f'<div class="thread">{inner}</div>' if inner else ""
            parts.append(self.message(message, channel_id, thread=thread))
        return "".join(parts)

    def _author(self, message: Any) -> str:
        if message.username:
            return str(message.username)
        if message.bot_id or not message.user:
            return "perfbot"
        return str(self.emu.user_name(message.user) or message.user)

    def message(self, message: Any, channel_id: str, *, reply: bool = False, thread: str = "") -> str:
        when = datetime.fromtimestamp(float(message.ts)).strftime("%H:%M:%S")
        marks = []
        if message.edited:
            marks.append('<span class="mark edited">(edited)</span>')
        if message.ephemeral:
            marks.append('<span class="mark ephemeral">Only visible to you</span>')
        if message.blocks:
            body = self.renderer.blocks(message.blocks)
        else:
            body = f'<div class="b-text">{to_html(message.text, self.emu.user_name)}</div>' if message.text else ""
        files = "".join(self._file(f) for f in message.files)
        classes = ["msg"] + (["reply"] if reply else []) + (["ephemeral"] if message.ephemeral else [])
        meta = (
            f'data-ts="{message.ts}" data-channel="{channel_id}" data-ephemeral="{"1" if message.ephemeral else "0"}"'
        )
        count = message.reply_count
        replies = f'<div class="reply-count">{count} {"reply" if count == 1 else "replies"}</div>' if count else ""
        return (
            f'<div class="{" ".join(classes)}" {meta}>'
            f'<div class="avatar">{"🤖" if message.bot_id else "🙂"}</div><div class="content">'
            f'<div class="head"><b>{html.escape(self._author(message))}</b> <span class="time">{when}</span>'
            f" {' '.join(marks)}</div>{body}{files}{replies}{thread}</div></div>"
        )

    @staticmethod
    def _file(file: Any) -> str:
        name = html.escape(file.title or file.name)
        if file.mimetype.startswith("image/"):
            alt = html.escape(file.alt_txt or file.name)
            return (
                f'<figure class="file"><figcaption>{name}</figcaption>'
                f'<img class="upload" src="/files/{file.id}" alt="{alt}"></figure>'
            )
        return f'<div class="file">📎 <a href="/files/{file.id}">{name}</a> ({file.size} bytes)</div>'
