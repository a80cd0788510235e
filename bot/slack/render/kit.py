"""Block Kit building blocks with Slack's limits enforced in one place.

Limits (Slack docs): ≤ 50 blocks a message, section text ≤ 3000, section field ≤ 2000 and ≤ 10 fields, header ≤ 150,
button text ≤ 75, button value ≤ 2000, action_id/block_id ≤ 255, confirm text ≤ 300, context ≤ 10 elements,
message text ≤ 40,000 (we keep fallbacks far shorter).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_CONFIRM_TEXT = 300
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 3000
ELLIPSIS = "…"

Block = dict[str, Any]


def escape(text: object) -> str:
    """Escape text that came from outside (alarm names, descriptions, user input) for mrkdwn.

    Slack only needs ``&``, ``<`` and ``>`` escaped; that alone neutralises ``<!channel>``, ``<@U…>`` and links.
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut, without splitting an escape entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ELLIPSIS


def header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(text, MAX_HEADER), "emoji": True},
    }


def section(text: str, *, fields: list[str] | None = None, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}
    if fields:
        block["fields"] = [{"type": "mrkdwn", "text": truncate(f, MAX_FIELD_TEXT)} for f in fields[:MAX_FIELDS]]
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(fields: list[str]) -> Block:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": truncate(f, MAX_FIELD_TEXT)} for f in fields[:MAX_FIELDS]],
    }


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(t, MAX_SECTION_TEXT)} for t in texts[:MAX_CONTEXT_ELEMENTS]],
    }


def divider() -> Block:
    return {"type": "divider"}


def confirm(title: str, text: str, ok: str = "Confirm", deny: str = "Cancel") -> Block:
    return {
        "title": {"type": "plain_text", "text": truncate(title, 100)},
        "text": {"type": "mrkdwn", "text": truncate(text, MAX_CONFIRM_TEXT)},
        "confirm": {"type": "plain_text", "text": truncate(ok, 30)},
        "deny": {"type": "plain_text", "text": truncate(deny, 30)},
    }


def button(
    text: str, action_id: str, value: str, *, style: str | None = None, confirm_dialog: Block | None = None
) -> Block:
    if len(value) > MAX_BUTTON_VALUE or len(action_id) > MAX_ACTION_ID:
        raise ValueError(f"button {action_id!r} exceeds Slack's value/action_id limits")
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    if confirm_dialog:
        element["confirm"] = confirm_dialog
    return element


def actions(*elements: Block, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id:
        block["block_id"] = block_id[:MAX_ACTION_ID]
    return block


def image(url: str, alt: str) -> Block:
    return {"type": "image", "image_url": url, "alt_text": truncate(alt, 2000)}


def fit(blocks: list[Block], *, overflow_note: str = "More in the thread.") -> list[Block]:
    """Keep a message within 50 blocks: cut and say so rather than have Slack reject it."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return [*blocks[: MAX_BLOCKS - 1], context(f"_{overflow_note}_")]


def fallback(text: str) -> str:
    """Notification / accessibility text that accompanies blocks."""
    return truncate(text, MAX_FALLBACK_TEXT)


def slack_date(epoch: float, fmt: str = "{date_short_pretty} {time}") -> str:
    """Slack's date token: shown in each reader's time zone, with a UTC fallback."""
    utc = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(epoch)}^{fmt}|{utc}>"


def iso_date(iso: str) -> str:
    """:func:`slack_date` of an ISO timestamp (as proposals store them); the text itself when it is not one."""
    try:
        return slack_date(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return escape(iso)


def mention(user_id: str | None) -> str:
    """A Slack user id from a signed Slack payload; anything else (perfbot's own actors) is shown as text."""
    if user_id and user_id.isalnum() and user_id[:1] in ("U", "W"):
        return f"<@{user_id}>"
    return escape(user_id or "someone")
