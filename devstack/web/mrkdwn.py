"""Slack's mrkdwn → HTML, as the Slack client shows it: ``*bold*``, ``_italic_``, ``~strike~``, ``` `code` ```,
```` ```pre``` ````, ``<url|label>`` links, ``<@U…>`` mentions, ``<#C…>`` channels, ``:emoji:`` shortcodes, and
Slack's own escaping (``&lt; &gt; &amp;``) — everything else is escaped, so message text never becomes markup."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from devstack.slack.transcript import EMOJI

UserName = Callable[[str], str | None]

_ANGLE = re.compile(r"<([^<>\n]+)>")
_PRE = re.compile(r"```(.+?)```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~([^~\n]+)~(?![\w~])")
_SHORTCODE = re.compile(r":([a-z0-9_+\-]+):")


MORE_EMOJI = {"grey_question": "❔", "construction": "🚧", "large_blue_circle": "🔵", "lock": "🔒"}


def emoji(text: str) -> str:
    return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1)) or MORE_EMOJI.get(m.group(1), m.group(0)), text)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _angle(inner: str, user_name: UserName) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        name = label or user_name(target[1:]) or target[1:]
        return f'<span class="mention">@{html.escape(name.lstrip("@"))}</span>'
    if target.startswith("#"):
        return f'<span class="mention">#{html.escape(label or target[1:])}</span>'
    if target.startswith("!subteam^"):
        return f'<span class="mention">{html.escape(label or "@" + target[9:])}</span>'
    if target.startswith("!date^"):
        return html.escape(label or target)
    if target.startswith("!"):
        return f'<span class="mention">@{html.escape(target[1:])}</span>'
    url = _unescape(target)
    safe = url if url.startswith(("http://", "https://", "mailto:")) else "#"
    return f'<a href="{html.escape(safe)}" target="_blank" rel="noopener">{html.escape(_unescape(label or target))}</a>'


def _inline(text: str) -> str:
    """Escaped plain text → HTML with Slack's inline styles (code spans are left unstyled inside)."""
    parts = _CODE.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"<code>{part}</code>")
            continue
        styled = _ITALIC.sub(r"<i>\1</i>", _BOLD.sub(r"<b>\1</b>", part))
        out.append(_STRIKE.sub(r"<s>\1</s>", styled))
    return "".join(out)


def to_html(text: str, user_name: UserName = lambda _: None) -> str:
    """One mrkdwn string as HTML (safe to insert: all text is escaped)."""
    tokens: list[str] = []

    def stash(markup: str) -> str:
        tokens.append(markup)
        return f"\x00{len(tokens) - 1}\x00"

    text = _ANGLE.sub(lambda m: stash(_angle(m.group(1), user_name)), text)
    text = html.escape(_unescape(text), quote=False)
    text = _PRE.sub(lambda m: stash(f"<pre>{m.group(1).strip(chr(10))}</pre>"), text)
    text = emoji(_inline(text)).replace("\n", "<br>")
    return re.sub(r"\x00(\d+)\x00", lambda m: tokens[int(m.group(1))], text)


def plain_to_html(text: str) -> str:
    """A plain_text object's text (``emoji: true`` shortcodes shown)."""
    return emoji(html.escape(text, quote=False)).replace("\n", "<br>")
