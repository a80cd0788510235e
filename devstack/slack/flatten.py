"""Block Kit → readable text, the way a person sees the message in the Slack client.

Used by ``Message.plain_text()`` (test assertions) and the transcript (the demo's output). Mentions and links
are rendered as Slack renders them, then ``&amp; &lt; &gt;`` are unescaped — so escaped alarm text such as
``&lt;!channel&gt;`` reads back as the literal ``<!channel>`` and never as a mention.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

UserResolver = Callable[[str], str | None]

_ANGLE = re.compile(r"<([^<>\n]+)>")


def mrkdwn_to_plain(text: str, resolve_user: UserResolver | None = None) -> str:
    """Render Slack's ``<…>`` syntax (mentions, links, dates) and unescape entities."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            name = label or (resolve_user(target[1:]) if resolve_user else None) or target[1:]
            return f"@{name.lstrip('@')}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!subteam^"):
            return label if label.startswith("@") else f"@{label or target[9:]}"
        if target.startswith("!date^"):
            return label or target
        if target.startswith("!"):
            return f"@{target[1:]}"
        return label or target

    rendered = _ANGLE.sub(replace, text)
    return rendered.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def text_of(obj: Any) -> str:
    """The text of a text object (plain_text / mrkdwn) or ``""``."""
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        return mrkdwn_to_plain(obj["text"]) if obj.get("type") == "mrkdwn" else obj["text"]
    return ""


def element_label(element: Any) -> str | None:
    """How an interactive element (or a context element) looks: buttons are ``[ Approve ]``."""
    if not isinstance(element, dict):
        return None
    kind = element.get("type")
    if not isinstance(kind, str) or kind == "image":
        return None
    if kind in ("plain_text", "mrkdwn"):
        label = text_of(element)
    elif kind in ("button", "workflow_button"):
        label = f"[ {text_of(element.get('text'))} ]"
    elif kind == "overflow":
        label = "[ ⋯ ]"
    elif kind.endswith(("select", "picker")):
        shown = text_of(element.get("placeholder")) or text_of(element.get("initial_option", {}).get("text"))
        label = f"[ {shown or kind} ▾ ]"
    else:
        label = f"[ {kind} ]"
    return label


def _rich_text_inline(elements: Any) -> str:
    out: list[str] = []
    for el in elements if isinstance(elements, list) else []:
        if not isinstance(el, dict):
            continue
        kind = el.get("type")
        if kind == "text":
            out.append(str(el.get("text", "")))
        elif kind == "link":
            out.append(str(el.get("text") or el.get("url", "")))
        elif kind == "user":
            out.append(f"@{el.get('user_id', '')}")
        elif kind == "usergroup":
            out.append(f"@{el.get('usergroup_id', '')}")
        elif kind == "channel":
            out.append(f"#{el.get('channel_id', '')}")
        elif kind == "emoji":
            out.append(f":{el.get('name', '')}:")
        elif kind == "broadcast":
            out.append(f"@{el.get('range', '')}")
        elif kind == "date":
            out.append(str(el.get("fallback", el.get("timestamp", ""))))
    return "".join(out)


def _rich_text_lines(block: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for part in block.get("elements", []) or []:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "rich_text_list":
            for item in part.get("elements", []) or []:
                if isinstance(item, dict):
                    lines.append(f"• {_rich_text_inline(item.get('elements'))}")
        elif kind == "rich_text_quote":
            lines.extend(f"> {line}" for line in _rich_text_inline(part.get("elements")).splitlines())
        else:
            lines.append(_rich_text_inline(part.get("elements")))
    return lines


def _field_line(text: str) -> str:
    """Fields are usually ``*Label*\nvalue``: shown as ``*Label*: value`` on one line."""
    parts = [p.strip() for p in text.splitlines() if p.strip()]
    return f"{parts[0]}: {parts[1]}" if len(parts) == 2 else " · ".join(parts)


def _section_lines(block: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if block.get("text"):
        lines.append(text_of(block["text"]))
    fields = block.get("fields") or []
    lines.extend(_field_line(text_of(f)) for f in fields if isinstance(f, dict))
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        if accessory.get("type") == "image":
            lines.append(f"(image: {accessory.get('alt_text', '')})")
        else:
            label = element_label(accessory)
            if label:
                lines.append(label)
    return lines


def _joined(block: dict[str, Any], separator: str) -> list[str]:
    parts = [element_label(e) for e in block.get("elements", []) or []]
    return [separator.join(p for p in parts if p)]


def _table_lines(block: dict[str, Any]) -> list[str]:
    rows = block.get("rows", []) or []
    return [" | ".join(_cell_text(c) for c in row) for row in rows if isinstance(row, list)]


_RENDERERS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "section": _section_lines,
    "header": lambda b: [text_of(b.get("text"))],
    "markdown": lambda b: [mrkdwn_to_plain(str(b.get("text", "")))],
    "divider": lambda b: ["────────"],
    "context": lambda b: _joined(b, " · "),
    "actions": lambda b: _joined(b, " "),
    "context_actions": lambda b: _joined(b, " "),
    "image": lambda b: [f"(image: {text_of(b.get('title')) or b.get('alt_text', '')})"],
    "rich_text": _rich_text_lines,
    "input": lambda b: [f"{text_of(b.get('label'))}: {element_label(b.get('element')) or '[ ]'}"],
    "file": lambda b: [f"(file: {b.get('external_id', '')})"],
    "video": lambda b: [f"(video: {text_of(b.get('title'))})"],
    "table": _table_lines,
}


def _cell_text(cell: Any) -> str:
    if isinstance(cell, dict) and cell.get("type") == "raw_text":
        return str(cell.get("text", ""))
    if isinstance(cell, dict) and cell.get("type") == "rich_text":
        return " ".join(_rich_text_lines(cell))
    return ""


def blocks_to_lines(blocks: list[Any]) -> list[str]:
    """Every block as one or more lines of text, in order; empty lines are dropped."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, dict):
            render = _RENDERERS.get(str(block.get("type")))
            lines.extend(line for line in (render(block) if render else []) if line)
    return lines
