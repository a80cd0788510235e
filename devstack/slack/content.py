"""Message content arguments (text / blocks / attachments / metadata), parsed and checked once for every path
that creates or edits a message: chat.postMessage, chat.postEphemeral, chat.update and response_url posts."""

from __future__ import annotations

import json
from typing import Any

from devstack.slack.store import SlackError
from devstack.slack.validation import (
    MAX_ATTACHMENTS,
    MAX_TEXT,
    BlocksFormatError,
    json_array,
    parse_blocks,
    validate_blocks,
)


def _json_list(raw: Any, error: str) -> list[dict[str, Any]] | None:
    try:
        value = json_array(raw)
    except ValueError:
        raise SlackError(error, [f"[ERROR] {error.replace('_', ' ')}"]) from None
    return None if value is None else [v for v in value if isinstance(v, dict)]


def _metadata(raw: Any) -> dict[str, Any] | None:
    """``{"event_type": str, "event_payload": {...}}``; ``{}`` (chat.update: remove it) becomes ``None``."""
    if isinstance(raw, str) and raw:
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_metadata_format") from None
    if raw is None or raw in ("", {}):
        return None
    if not isinstance(raw, dict):
        raise SlackError("invalid_metadata_format")
    event_type, payload = raw.get("event_type"), raw.get("event_payload")
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise SlackError("invalid_metadata_schema")
    return raw


def message_content(args: dict[str, Any], *, partial: bool = False, text_limit: int = MAX_TEXT) -> dict[str, Any]:
    """Checked content fields, keyed like ``Message`` attributes.

    ``partial`` (chat.update) keeps only the fields present, except that, as chat.update's reference says, new
    ``text`` without ``blocks`` removes the old blocks (they are kept only when neither is given).
    Errors: ``invalid_blocks_format``, ``invalid_blocks`` (with Slack's messages), ``invalid_attachments``,
    ``too_many_attachments`` (> 100), ``no_text``, ``msg_too_long`` (``text_limit``: 40,000 characters when
    posting, 4,000 for chat.update as its reference says), ``invalid_metadata_format``/``_schema``.
    """
    try:
        blocks = parse_blocks(args.get("blocks"))
    except BlocksFormatError as exc:
        raise SlackError("invalid_blocks_format", [f"[ERROR] {exc}"]) from None
    if blocks is not None:
        errors = validate_blocks(blocks)
        if errors:
            raise SlackError("invalid_blocks", errors)
    attachments = _json_list(args.get("attachments"), "invalid_attachments")
    if attachments is not None and len(attachments) > MAX_ATTACHMENTS:
        raise SlackError("too_many_attachments")
    raw_text = args.get("text")
    text = raw_text if isinstance(raw_text, str) else ("" if raw_text is None else str(raw_text))
    if not text and not blocks and not attachments and not (partial and blocks is not None):
        raise SlackError("no_text")
    if len(text) > text_limit:
        raise SlackError("msg_too_long")
    content: dict[str, Any] = {
        "text": text if (raw_text is not None or not partial) else None,
        "blocks": blocks if (blocks is not None or not partial) else ([] if raw_text is not None else None),
        "attachments": attachments if (attachments is not None or not partial) else None,
    }
    defaults: dict[str, Any] = {"text": "", "blocks": [], "attachments": []}
    metadata = _metadata(args.get("metadata"))
    if partial:
        kept = {k: v for k, v in content.items() if v is not None}
        return kept | ({"metadata": metadata} if args.get("metadata") not in (None, "") else {})
    return {k: (defaults.get(k) if v is None else v) for k, v in content.items()} | {"metadata": metadata}
