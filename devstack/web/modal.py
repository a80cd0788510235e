"""A modal as the Slack client shows it (views.open): the title, the blocks, the input blocks as form fields named by
their block_id, the submit and close buttons, an empty slot per input for a ``response_action: errors`` message.

It travels inside the feed as a ``<template>``, so the feed's version changes when a modal opens, is updated or goes;
the page's script moves it into its dialog (keeping what was typed while the view's id and hash stay the same).
"""

from __future__ import annotations

import html
from typing import Any

from devstack.web.blocks import Block, BlockRenderer


def modal_template(view: dict[str, Any], renderer: BlockRenderer) -> str:
    body = "".join(
        _input(b, renderer) if b.get("type") == "input" else renderer.block(b, interactive=False)
        for b in view.get("blocks", [])
        if isinstance(b, dict)
    )
    close = renderer.text(view.get("close")) or "Cancel"
    submit = renderer.text(view.get("submit"))
    submit_button = f'<button type="submit" class="btn primary m-submit">{submit}</button>' if submit else ""
    return (
        f'<template class="modal-view" data-view-id="{_attr(view.get("id"))}" data-hash="{_attr(view.get("hash"))}"'
        f' data-callback-id="{_attr(view.get("callback_id"))}">'
        f'<div class="m-title">{renderer.text(view.get("title"))}</div><div class="m-body">{body}</div>'
        f'<menu><button type="button" class="btn m-close">{close}</button>{submit_button}</menu></template>'
    )


def form_values(view: dict[str, Any], raw: Any) -> dict[str, str]:
    """What the page sent (block_id → value) for the view's input blocks; a select's value must be one of its
    options (``ValueError`` otherwise: a Slack client cannot submit anything else)."""
    sent = raw if isinstance(raw, dict) else {}
    values = {}
    for block in view.get("blocks", []):
        block_id = block.get("block_id")
        if block.get("type") != "input" or block_id not in sent:
            continue
        value, element = str(sent[block_id]), block.get("element") or {}
        if element.get("type") == "static_select" and value not in {o.get("value") for o in _options(element)}:
            raise ValueError(f"{value!r} is not an option of {block_id}")
        values[str(block_id)] = value
    return values


def _input(block: Block, renderer: BlockRenderer) -> str:
    block_id = _attr(block.get("block_id"))
    optional = bool(block.get("optional"))
    label = renderer.text(block.get("label")) + (' <span class="m-optional">(optional)</span>' if optional else "")
    hint = f'<div class="m-hint">{renderer.text(block["hint"])}</div>' if block.get("hint") else ""
    field = _field(block.get("element") or {}, block_id, optional, renderer)
    return (
        f'<div class="m-input"><label for="m-{block_id}">{label}</label>{field}{hint}'
        f'<div class="m-error" data-for="{block_id}"></div></div>'
    )


def _field(element: Block, name: str, optional: bool, renderer: BlockRenderer) -> str:
    """The form control for a plain_text_input (single or multiline) or a static_select; other elements are shown,
    not submitted."""
    kind = element.get("type")
    required = "" if optional else " required"
    placeholder = _attr((element.get("placeholder") or {}).get("text"))
    if kind == "plain_text_input":
        bounds = (("min_length", "minlength"), ("max_length", "maxlength"))
        limits = "".join(f' {attr}="{element[key]}"' for key, attr in bounds if isinstance(element.get(key), int))
        common = f'id="m-{name}" name="{name}" placeholder="{placeholder}"{limits}{required}'
        initial = html.escape(str(element.get("initial_value", "")))
        if element.get("multiline"):
            return f'<textarea {common} rows="4">{initial}</textarea>'
        return f'<input type="text" {common} value="{initial}">'
    if kind == "static_select":
        chosen = (element.get("initial_option") or {}).get("value")
        empty = "" if chosen is not None else f'<option value="" selected disabled>{placeholder or "Select"}</option>'
        options = "".join(
            f'<option value="{_attr(o.get("value"))}"{" selected" if o.get("value") == chosen else ""}>'
            f"{renderer.text(o.get('text'))}</option>"
            for o in _options(element)
        )
        return f'<select id="m-{name}" name="{name}"{required}>{empty}{options}</select>'
    return f'<span class="b-select" title="not supported in the web channel">{html.escape(str(kind))}</span>'


def _options(element: Block) -> list[Block]:
    groups = element.get("option_groups") or []
    return list(element.get("options") or []) + [o for g in groups for o in g.get("options") or []]


def _attr(value: Any) -> str:
    return html.escape(str(value or ""))
