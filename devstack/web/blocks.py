"""Block Kit → HTML for the web channel: the blocks perfbot sends (and the rest of Slack's layout blocks, simply).

Buttons carry what a click needs in ``data-*`` attributes (action_id, value, block_id, the confirm dialog as JSON);
the page's script turns a click into ``POST /api/click``, which the server sends to perfbot as Slack would.
"""

from __future__ import annotations

import html
import json
from typing import Any

from devstack.web.mrkdwn import UserName, plain_to_html, to_html

Block = dict[str, Any]


class BlockRenderer:
    def __init__(self, user_name: UserName, file_url: Any) -> None:
        """``file_url(file_id) -> str``: where the page loads an uploaded file from."""
        self.user_name = user_name
        self.file_url = file_url

    def text(self, obj: Any) -> str:
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            return ""
        if obj.get("type") == "mrkdwn":
            return to_html(obj["text"], self.user_name)
        return plain_to_html(obj["text"])

    def blocks(self, blocks: list[Block], *, interactive: bool = True) -> str:
        return "".join(self.block(b, interactive=interactive) for b in blocks if isinstance(b, dict))

    def block(self, block: Block, *, interactive: bool = True) -> str:
        kind = str(block.get("type"))
        block_id = str(block.get("block_id", ""))
        simple = {
            "header": lambda: f'<div class="b-header">{self.text(block.get("text"))}</div>',
            "divider": lambda: '<hr class="b-divider">',
            "section": lambda: self._section(block, block_id, interactive),
            "context": lambda: f'<div class="b-context">{self._context(block)}</div>',
            "actions": lambda: f'<div class="b-actions">{self._actions(block, block_id, interactive)}</div>',
            "image": lambda: self._image(block),
            "rich_text": lambda: f'<div class="b-section">{html.escape(_rich_text(block))}</div>',
            "input": lambda: self._input(block),
        }
        render = simple.get(kind)
        return render() if render else f'<div class="b-unknown">[{html.escape(kind)} block]</div>'

    def _context(self, block: Block) -> str:
        return "".join(self._context_element(e) for e in block.get("elements", []))

    def _actions(self, block: Block, block_id: str, interactive: bool) -> str:
        return "".join(self.element(e, block_id, interactive) for e in block.get("elements", []))

    def _input(self, block: Block) -> str:
        label = self.text(block.get("label"))
        return f'<div class="b-input"><label>{label}</label>{self.element(block.get("element", {}), "", False)}</div>'

    def _section(self, block: Block, block_id: str, interactive: bool) -> str:
        parts = []
        if block.get("text"):
            parts.append(f'<div class="b-text">{self.text(block["text"])}</div>')
        if block.get("fields"):
            cells = "".join(f'<div class="b-field">{self.text(f)}</div>' for f in block["fields"])
            parts.append(f'<div class="b-fields">{cells}</div>')
        accessory = block.get("accessory")
        side = ""
        if isinstance(accessory, dict):
            side = f'<div class="b-accessory">{self.element(accessory, block_id, interactive)}</div>'
        return f'<div class="b-section"><div class="b-main">{"".join(parts)}</div>{side}</div>'

    def _context_element(self, element: Any) -> str:
        if not isinstance(element, dict):
            return ""
        if element.get("type") == "image":
            src = html.escape(str(element.get("image_url", "")))
            return f'<img class="b-context-img" src="{src}" alt="{html.escape(str(element.get("alt_text", "")))}">'
        return f"<span>{self.text(element)}</span>"

    def _image(self, block: Block) -> str:
        source = block.get("slack_file") or {}
        src = block.get("image_url") or (self.file_url(source["id"]) if source.get("id") else source.get("url", ""))
        alt = html.escape(str(block.get("alt_text", "")))
        title = f'<div class="b-image-title">{self.text(block["title"])}</div>' if block.get("title") else ""
        return f'<figure class="b-image">{title}<img src="{html.escape(str(src))}" alt="{alt}"></figure>'

    def element(self, element: Block, block_id: str, interactive: bool) -> str:
        kind = element.get("type")
        if kind == "button":
            attrs = {
                "data-action-id": element.get("action_id", ""),
                "data-value": element.get("value", ""),
                "data-block-id": block_id,
                "data-label": element.get("text", {}).get("text", ""),
            }
            if element.get("confirm"):
                attrs["data-confirm"] = json.dumps(self._confirm(element["confirm"]))
            style = element.get("style", "")
            data = " ".join(f'{k}="{html.escape(str(v))}"' for k, v in attrs.items())
            disabled = "" if interactive else " disabled"
            label = self.text(element.get("text"))
            return f'<button class="btn {html.escape(style)}" {data}{disabled}>{label}</button>'
        if kind == "image":
            return f'<img class="b-thumb" src="{html.escape(str(element.get("image_url", "")))}" alt="">'
        placeholder = self.text(element.get("placeholder")) or html.escape(str(kind))
        return f'<span class="b-select" title="not clickable in the web channel">{placeholder} ▾</span>'

    def _confirm(self, dialog: Block) -> dict[str, str]:
        return {
            "title": self.text(dialog.get("title")),
            "text": self.text(dialog.get("text")),
            "confirm": self.text(dialog.get("confirm")) or "Confirm",
            "deny": self.text(dialog.get("deny")) or "Cancel",
            "style": str(dialog.get("style", "")),
        }


def _rich_text(block: Block) -> str:
    from devstack.slack.flatten import blocks_to_lines

    return "\n".join(blocks_to_lines([block]))
