"""Modals: `/perf maintenance` without arguments (service, duration, reason) and the reason a high-risk Approve asks
for. Each carries what its submission needs in ``private_metadata`` (the channel, the proposal) — never secrets."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.render.kit import Block, escape, truncate

MAINTENANCE_VIEW = "perf_maintenance"
APPROVE_REASON_VIEW = "approve_with_reason"
ALL_SERVICES = "*"
SERVICE, DURATION, REASON = "service", "duration", "reason"


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def _input(block_id: str, label: str, element: Block, *, hint: str = "", optional: bool = False) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": _plain(label, 2000), "element": element}
    if hint:
        block["hint"] = _plain(hint, 2000)
    if optional:
        block["optional"] = True
    return block


def _text_input(action_id: str, *, initial: str = "", multiline: bool = False, max_length: int = 200) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    element["max_length"] = max_length
    if initial:
        element["initial_value"] = initial
    return element


def maintenance_modal(services: list[str], channel_id: str, status: str = "") -> dict[str, Any]:
    options = [{"text": _plain("All services"), "value": ALL_SERVICES}]
    options += [{"text": _plain(s), "value": s[:150]} for s in services[:99]]
    service = {"type": "static_select", "action_id": SERVICE, "options": options, "initial_option": options[0]}
    return {
        "type": "modal",
        "callback_id": MAINTENANCE_VIEW,
        "title": _plain("Maintenance", 24),
        "submit": _plain("Start", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": json.dumps({"channel": channel_id}),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Pause alarm notifications for planned work."},
            },
            *([{"type": "context", "elements": [{"type": "mrkdwn", "text": status[:3000]}]}] if status else []),
            _input(SERVICE, "Service", service),
            _input(DURATION, "Duration", _text_input(DURATION, initial="1h", max_length=20), hint="30m, 2h or 1d"),
            _input(REASON, "Reason", _text_input(REASON, multiline=True, max_length=500), hint="shown to the channel"),
        ],
    }


def reason_modal(proposal_id: str, channel_id: str, message_ts: str, summary: str) -> dict[str, Any]:
    """Approve a high-risk change: the reason goes into the audit log with the approval."""
    metadata = {"proposal": proposal_id, "channel": channel_id, "message_ts": message_ts}
    return {
        "type": "modal",
        "callback_id": APPROVE_REASON_VIEW,
        "title": _plain("Approve high-risk change", 24),
        "submit": _plain("Approve", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": json.dumps(metadata),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*{escape(summary)}* (`{escape(proposal_id)}`) is high-risk."},
            },
            _input(
                REASON,
                "Why approve it now?",
                _text_input(REASON, multiline=True, max_length=500),
                hint="Recorded in the audit log with your approval.",
            ),
        ],
    }


def submitted(view: dict[str, Any], block_id: str) -> str:
    """The value of one input of a submitted view (text, or the selected option's value)."""
    value = ((view.get("state") or {}).get("values") or {}).get(block_id, {}).get(block_id) or {}
    if value.get("selected_option"):
        return str(value["selected_option"].get("value") or "")
    return str(value.get("value") or "").strip()


def metadata(view: dict[str, Any]) -> dict[str, str]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
