"""views.publish: the App Home tab, as strict as Slack.

Slack's reference (docs.slack.dev/reference/methods/views.publish): no scope, but the app's Home tab must be enabled
(``features.app_home.home_tab_enabled`` in the manifest; else ``not_enabled``); ``user_id`` must be a member of the
workspace; the view is a ``home`` view of at most 100 blocks (``invalid_arguments`` with Slack's json-pointer
messages, from the hand-written checks and slack_sdk's ``View`` model); more than 250 kB is ``view_too_large``; a
``hash`` that is not the current view's is ``hash_conflict``. Each user has one published Home view, replaced by the
next publish; the answer carries the stored view with its ``id`` and new ``hash``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.views import View

from devstack.slack.scopes import MANIFEST
from devstack.slack.store import SlackError, Store
from devstack.slack.validation import MAX_VIEW_BLOCKS, validate_blocks

MAX_VIEW_BYTES = 250_000
TRIGGER_TTL_S = 3.0  # "trigger_id … expires 3 seconds after being issued" (Slack's modals guide)
Body = dict[str, Any]


def home_tab_enabled(path: Path = MANIFEST) -> bool:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return bool((((data or {}).get("features") or {}).get("app_home") or {}).get("home_tab_enabled"))


def validate_home(view: Any) -> list[str]:
    """Slack's ``invalid_arguments`` messages for a view that is not a valid Home tab view (empty when it is)."""
    if not isinstance(view, dict):
        return ["[ERROR] failed to match all allowed schemas [json-pointer:/view]"]
    errors = []
    if view.get("type") != "home":
        errors.append("[ERROR] must be one of home [json-pointer:/view/type]")
    for key in ("title", "submit", "close"):  # modal-only fields
        if key in view:
            errors.append(f"[ERROR] {key} is not allowed in a home view [json-pointer:/view/{key}]")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        return [*errors, "[ERROR] must be an array of block objects [json-pointer:/view/blocks]"]
    errors.extend(validate_blocks(blocks, pointer="/view/blocks", limit=MAX_VIEW_BLOCKS))
    if not errors:
        try:
            View(**view).validate_json()
        except (SlackObjectFormationError, TypeError, ValueError) as exc:
            errors.append(f"[ERROR] {exc} [json-pointer:/view]")
    return errors[:10]


def _view(args: Body) -> tuple[dict[str, Any], int]:
    raw = args.get("view")
    size = len(raw.encode()) if isinstance(raw, str) else len(json.dumps(raw or {}).encode())
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_arguments", ["[ERROR] failed to parse view JSON [json-pointer:/view]"]) from None
    return raw if isinstance(raw, dict) else {"type": None}, size


def views_publish(store: Store, args: Body) -> Body:
    user = args.get("user_id")
    if not isinstance(user, str) or not user:
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: user_id"])
    view, size = _view(args)
    if size > MAX_VIEW_BYTES:
        raise SlackError("view_too_large")
    errors = validate_home(view)
    if errors:
        raise SlackError("invalid_arguments", errors)
    if not home_tab_enabled():
        raise SlackError("not_enabled")
    with store.lock:
        if user not in store.users:
            raise SlackError("user_not_found")
        current = store.homes.get(user)
        wanted = args.get("hash")
        if wanted and current is not None and wanted != current["hash"]:
            raise SlackError("hash_conflict")
        stored = dict(view)
        stored.setdefault("private_metadata", "")
        stored.setdefault("callback_id", "")
        stored.update(
            id=current["id"] if current else store.next_id("V"),
            team_id=store.team_id,
            state={"values": {}},
            hash=store.new_ts().replace(".", ""),
            app_id="A0PERFBOT",
            bot_id=store.bot_id,
        )
        store.homes[user] = stored
        return {"view": dict(stored)}


def views_open(store: Store, args: Body) -> Body:
    """views.open with Slack's trigger rules on top of ``api_workspace.views_open`` (view checks, one exchange per
    trigger): a trigger this emulator issued (``SlackEmulator.trigger_id``) expires 3 seconds after it was issued
    (``expired_trigger_id``). Hand-written trigger ids the emulator never issued are taken as fresh.

    Slack shows the modal to the person whose click or command carried the trigger, until they submit or close it:
    the opened view is kept as open for that user (``None`` when the trigger was issued for nobody in particular),
    so a Slack client (the web channel) can show it (``SlackEmulator.modal``)."""
    from devstack.slack.api_workspace import views_open as open_view

    trigger = args.get("trigger_id") or args.get("interactivity_pointer")
    with store.lock:
        issued = store.triggers.get(trigger) if isinstance(trigger, str) else None
        if issued is not None and store.clock() - issued > TRIGGER_TTL_S:
            raise SlackError("expired_trigger_id")
    answer = open_view(store, args)
    with store.lock:
        store.open_modals[answer["view"]["id"]] = store.trigger_users.get(trigger) if isinstance(trigger, str) else None
    return answer


VIEW_METHODS = {"views.publish": views_publish, "views.open": views_open}
