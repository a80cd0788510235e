"""A channel rendered as text, roughly as a person scrolling Slack would see it — the demo prints this.

    ── #perf-alerts ──────────────────────────────
    [#perf-alerts 18:52:03] perfbot: (edited)
      🔴 API p95 latency is 812 ms (target 500 ms)
      [ Approve ] [ Reject ]
      (file: graph.png 1024x400 PNG)
      ↳ [18:52:09] perfbot:
          Still firing (2nd notification)
    [#perf-alerts 18:53:10] perfbot: (only visible to @alice)
      Only approvers can apply changes.

Times are local wall-clock times of each message ``ts``; common emoji shortcodes become emoji, ``*bold*``
markers are dropped and user mentions show the user's name.
"""

from __future__ import annotations

import re
from datetime import datetime

from devstack.slack.models import Message
from devstack.slack.store import Store, snapshot

EMOJI = {
    "red_circle": "🔴",
    "large_green_circle": "🟢",
    "large_yellow_circle": "🟡",
    "large_orange_circle": "🟠",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "warning": "⚠️",
    "rotating_light": "🚨",
    "fire": "🔥",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "bar_chart": "📊",
    "zap": "⚡",
    "hourglass_flowing_sand": "⏳",
    "stopwatch": "⏱️",
    "mag": "🔍",
    "bulb": "💡",
    "gear": "⚙️",
    "wrench": "🔧",
    "lock": "🔒",
    "recycle": "♻️",
    "leftwards_arrow_with_hook": "↩️",
    "arrows_counterclockwise": "🔄",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "information_source": "ℹ️",
    "bell": "🔔",
    "moneybag": "💰",
    "money_with_wings": "💸",
    "robot_face": "🤖",
    "memo": "📝",
    "clipboard": "📋",
    "sparkles": "✨",
    "rocket": "🚀",
    "tada": "🎉",
    "shield": "🛡️",
    "electric_plug": "🔌",
    "heavy_plus_sign": "➕",
    "heavy_minus_sign": "➖",
    "arrow_up": "⬆️",
    "arrow_down": "⬇️",
    "eyes": "👀",
    "thumbsup": "👍",
    "+1": "👍",
    "thinking_face": "🤔",
    "calendar": "📆",
    "link": "🔗",
    "scroll": "📜",
    "hammer_and_wrench": "🛠️",
    "card_file_box": "🗃️",
    "satellite_antenna": "📡",
    "traffic_light": "🚦",
    "vertical_traffic_light": "🚦",
    "snail": "🐌",
    "turtle": "🐢",
    "brain": "🧠",
}
_SHORTCODE = re.compile(r":([a-z0-9_+\-]+):")
_MENTION = re.compile(r"@([UW][A-Z0-9]{2,})\b")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")


def _clock(ts: str) -> str:
    return datetime.fromtimestamp(float(ts)).strftime("%H:%M:%S")


class TranscriptWriter:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _pretty(self, text: str) -> str:
        text = _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
        text = _BOLD.sub(r"\1", text)
        return _MENTION.sub(lambda m: f"@{self.store.user_name(m.group(1)) or m.group(1)}", text)

    def _author(self, message: Message) -> str:
        if message.username:
            return message.username
        if message.bot_id or not message.user:
            return self.store.bot_name
        return self.store.user_name(message.user) or message.user

    def _entry(self, message: Message, header: str, indent: str) -> list[str]:
        marks = []
        if message.edited:
            marks.append("(edited)")
        if message.ephemeral_user:
            marks.append(f"(only visible to @{self.store.user_name(message.ephemeral_user) or message.ephemeral_user})")
        lines = [" ".join([f"{header} {self._author(message)}:", *marks])]
        body = self._pretty(message.plain_text())
        lines.extend(f"{indent}{line}" for line in body.splitlines() if line.strip())
        lines.extend(f"{indent}(file: {f.describe()})" for f in message.files)
        if message.reactions:
            reactions = "  ".join(f":{name}: {len(users)}" for name, users in message.reactions.items())
            lines.append(f"{indent}{self._pretty(reactions)}")
        return lines

    def message(self, message: Message, *, reply: bool = False) -> str:
        """One message as the transcript shows it now (buttons included), for a live, interleaved transcript."""
        label = self.store.channel_label(message.channel)
        if reply:
            return "\n".join(self._entry(message, f"  ↳ [{label} {_clock(message.ts)}]", "      "))
        return "\n".join(self._entry(message, f"[{label} {_clock(message.ts)}]", "  "))

    def channel(self, channel_id: str) -> str:
        store = self.store
        label = store.channel_label(channel_id)
        with store.lock:
            top = [snapshot(m) for m in store.top.get(channel_id, []) if not m.is_reply]
            threads = {
                key[1]: [snapshot(m) for m in msgs] for key, msgs in store.threads.items() if key[0] == channel_id
            }
            ephemeral = [snapshot(m) for m in store.ephemerals if m.channel == channel_id]
        for message in ephemeral:
            if message.thread_ts and message.thread_ts in threads:
                threads[message.thread_ts].append(message)
            else:
                top.append(message)
        top.sort(key=lambda m: float(m.ts))
        lines = [f"── {label} " + "─" * max(4, 61 - len(label))]
        for message in top:
            lines.extend(self._entry(message, f"[{label} {_clock(message.ts)}]", "  "))
            for reply in sorted(threads.get(message.ts, []), key=lambda m: float(m.ts)):
                lines.extend(self._entry(reply, f"  ↳ [{_clock(reply.ts)}]", "      "))
        if not top:
            lines.append("  (no messages)")
        return "\n".join(lines)

    def render(self, channel: str | None = None) -> str:
        if channel is not None:
            return self.channel(self.store.resolve_channel(channel))
        return "\n\n".join(self.channel(c) for c in self.store.channels_with_activity())
