"""Block Kit limits Slack enforces server-side, reported the way Slack reports them.

The point is to fail in tests exactly where production would fail: a 51st block, a 3001-character section or a
2001-character button value must come back as ``invalid_blocks`` here too, with Slack's
``[ERROR] … [json-pointer:/blocks/…]`` messages in ``response_metadata.messages``.
Limits come from Slack's Block Kit reference (blocks, elements and composition objects); on top of these
hand-written checks every block is parsed with slack_sdk's block models (``Block.parse``) and validated with their
``validate_json`` (nested elements and composition objects too), so what slack_sdk refuses is refused here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import Block

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000
MAX_UPDATE_TEXT = 4_000  # chat.update's msg_too_long: "The text field cannot exceed 4,000 characters"
MAX_ATTACHMENTS = 100
_MISSING_ARG = re.compile(r"missing \d+ required .*?argument[s]?: (.+)$")

BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)
_SELECTS = ("static_select", "multi_static_select", "external_select", "multi_external_select")


class BlocksFormatError(ValueError):
    """``blocks`` is not a JSON array of objects: Slack's ``invalid_blocks_format``."""


def json_array(raw: Any) -> list[Any] | None:
    """A list from a JSON body (already a list) or a form field (a JSON string); ``None`` when absent.
    Raises ValueError when it is not a JSON array."""
    if raw is None or raw == "":
        return None
    value = json.loads(raw) if isinstance(raw, str) else raw  # JSONDecodeError is a ValueError
    if not isinstance(value, list):
        raise ValueError("not a JSON array")
    return value


def parse_blocks(raw: Any) -> list[dict[str, Any]] | None:
    """Blocks from a JSON body or a form field; ``None`` when absent."""
    try:
        value = json_array(raw)
    except ValueError as exc:
        raise BlocksFormatError("blocks is not a valid JSON array") from exc
    if value is not None and not all(isinstance(b, dict) for b in value):
        raise BlocksFormatError("blocks must be an array of objects")
    return value


class _Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, reason: str, pointer: str) -> None:
        self.errors.append(f"[ERROR] {reason} [json-pointer:{pointer}]")

    def length(self, value: Any, limit: int, pointer: str, *, required: bool = False) -> None:
        if value is None:
            if required:
                self.fail("missing required field", pointer)
            return
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
        elif len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)
        elif required and not value:
            self.fail("must be more than 0 characters", pointer)

    def text(self, obj: Any, limit: int, pointer: str, *, plain_only: bool = False, required: bool = True) -> None:
        if obj is None:
            if required:
                self.fail("missing required field", pointer)
            return
        if not isinstance(obj, dict):
            self.fail("must be a text object", pointer)
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if obj.get("type") not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}", f"{pointer}/type")
        self.length(obj.get("text"), limit, f"{pointer}/text", required=True)

    def items(self, value: Any, limit: int, pointer: str, *, minimum: int = 0) -> list[Any]:
        if value is None and minimum == 0:
            return []
        if not isinstance(value, list):
            self.fail("must be an array", pointer)
            return []
        if len(value) > limit:
            self.fail(f"no more than {limit} items allowed", pointer)
        elif len(value) < minimum:
            self.fail(f"must have at least {minimum} items", pointer)
        return value

    def confirm(self, obj: Any, pointer: str) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict):
            self.fail("must be a confirmation object", pointer)
            return
        self.text(obj.get("title"), 100, f"{pointer}/title", plain_only=True)
        self.text(obj.get("text"), 300, f"{pointer}/text")
        self.text(obj.get("confirm"), 30, f"{pointer}/confirm", plain_only=True)
        self.text(obj.get("deny"), 30, f"{pointer}/deny", plain_only=True)

    def options(self, value: Any, limit: int, pointer: str) -> None:
        for i, option in enumerate(self.items(value, limit, pointer)):
            if isinstance(option, dict):
                self.text(option.get("text"), 75, f"{pointer}/{i}/text")
                self.length(option.get("value"), 150, f"{pointer}/{i}/value", required=True)

    def element(self, el: Any, pointer: str) -> None:
        if not isinstance(el, dict) or not isinstance(el.get("type"), str):
            self.fail("must be an element object with a type", pointer)
            return
        kind = el["type"]
        self.length(el.get("action_id"), 255, f"{pointer}/action_id")
        self.confirm(el.get("confirm"), f"{pointer}/confirm")
        if kind == "button":
            self.text(el.get("text"), 75, f"{pointer}/text", plain_only=True)
            self.length(el.get("value"), 2000, f"{pointer}/value")
            self.length(el.get("url"), 3000, f"{pointer}/url")
            if el.get("style") not in (None, "primary", "danger"):
                self.fail("must be one of primary, danger", f"{pointer}/style")
        elif kind in _SELECTS:
            self.text(el.get("placeholder"), 150, f"{pointer}/placeholder", plain_only=True, required=False)
            self.options(el.get("options"), 100, f"{pointer}/options")
        elif kind == "overflow":
            self.options(el.get("options"), 5, f"{pointer}/options")
        elif kind == "image":
            self.length(el.get("alt_text"), 2000, f"{pointer}/alt_text", required=True)

    def block(self, block: dict[str, Any], pointer: str, allowed: frozenset[str]) -> None:
        kind = block.get("type")
        if kind not in allowed:
            self.fail(f"unsupported block type: {kind}", f"{pointer}/type")
            return
        self.length(block.get("block_id"), 255, f"{pointer}/block_id")
        check = getattr(self, f"_{kind}", None)
        if check is not None:
            check(block, pointer)

    def _header(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("text"), 150, f"{pointer}/text", plain_only=True)

    def _actions(self, block: dict[str, Any], pointer: str) -> None:
        for i, el in enumerate(self.items(block.get("elements"), 25, f"{pointer}/elements", minimum=1)):
            self.element(el, f"{pointer}/elements/{i}")

    _context_actions = _actions

    def _context(self, block: dict[str, Any], pointer: str) -> None:
        for i, el in enumerate(self.items(block.get("elements"), 10, f"{pointer}/elements", minimum=1)):
            if isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
                self.text(el, 3000, f"{pointer}/elements/{i}")
            else:
                self.element(el, f"{pointer}/elements/{i}")

    def _image(self, block: dict[str, Any], pointer: str) -> None:
        if "slack_file" not in block:
            self.length(block.get("image_url"), 3000, f"{pointer}/image_url", required=True)
        self.length(block.get("alt_text"), 2000, f"{pointer}/alt_text", required=True)
        self.text(block.get("title"), 2000, f"{pointer}/title", plain_only=True, required=False)

    def _markdown(self, block: dict[str, Any], pointer: str) -> None:
        self.length(block.get("text"), 12_000, f"{pointer}/text", required=True)

    def _input(self, block: dict[str, Any], pointer: str) -> None:
        self.text(block.get("label"), 2000, f"{pointer}/label", plain_only=True)
        self.element(block.get("element"), f"{pointer}/element")

    def _section(self, block: dict[str, Any], pointer: str) -> None:
        if block.get("text") is None and not block.get("fields"):
            self.fail("must provide either text or fields", pointer)
        self.text(block.get("text"), 3000, f"{pointer}/text", required=False)
        for i, field in enumerate(self.items(block.get("fields"), 10, f"{pointer}/fields")):
            self.text(field, 2000, f"{pointer}/fields/{i}")
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{pointer}/accessory")


def _sdk_walk(obj: JsonObject, pointer: str, checker: _Checker) -> None:
    try:
        obj.validate_json()
    except SlackObjectFormationError as exc:
        checker.fail(str(exc), pointer)
    for name in sorted(obj.attributes):
        value = getattr(obj, name, None)
        items = value if isinstance(value, list | tuple) else [value]
        for i, item in enumerate(items):
            at = f"{pointer}/{name}" + (f"/{i}" if value is items else "")
            if isinstance(item, JsonObject):
                _sdk_walk(item, at, checker)
            elif item is None and value is items:
                checker.fail("unsupported element type", at)


def sdk_check(block: dict[str, Any], pointer: str, checker: _Checker) -> None:
    """Parse one block with slack_sdk's models and validate it (and what it contains) as slack_sdk would."""
    try:
        parsed = Block.parse(dict(block))
    except (TypeError, ValueError, KeyError, AttributeError, SlackObjectFormationError) as exc:
        missing = _MISSING_ARG.search(str(exc))
        reason = f"missing required field: {missing.group(1)}" if missing else f"invalid block: {exc}"
        checker.fail(reason.replace("'", ""), pointer)
        return
    if parsed is not None:
        _sdk_walk(parsed, pointer, checker)


def validate_blocks(blocks: list[dict[str, Any]], *, pointer: str = "/blocks", limit: int = 50) -> list[str]:
    """Slack's error messages for ``blocks`` (empty when valid); messages allow 50 blocks, modals 100."""
    checker = _Checker()
    checker.items(blocks, limit, pointer)
    for i, block in enumerate(blocks):
        before = len(checker.errors)
        checker.block(block, f"{pointer}/{i}", BLOCK_TYPES)
        if len(checker.errors) == before and block.get("type") in BLOCK_TYPES:
            sdk_check(block, f"{pointer}/{i}", checker)
    return checker.errors[:10]


def validate_view(view: Any) -> list[str]:
    """Checks views.open applies to a modal view; messages as for ``invalid_arguments``."""
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("failed to match all allowed schemas", "/view")
        return checker.errors
    if view.get("type") != "modal":
        checker.fail("must be one of modal", "/view/type")
    checker.text(view.get("title"), 24, "/view/title", plain_only=True)
    checker.text(view.get("submit"), 24, "/view/submit", plain_only=True, required=False)
    checker.text(view.get("close"), 24, "/view/close", plain_only=True, required=False)
    checker.length(view.get("callback_id"), 255, "/view/callback_id")
    checker.length(view.get("external_id"), 255, "/view/external_id")
    checker.length(view.get("private_metadata"), 3000, "/view/private_metadata")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        checker.fail("must be an array of block objects", "/view/blocks")
    else:
        checker.errors.extend(validate_blocks(blocks, pointer="/view/blocks", limit=MAX_VIEW_BLOCKS))
    return checker.errors[:10]
