"""auth.*, users.*, usergroups.* and views.* methods.

Bolt calls auth.test at start-up; perfbot authorizes approvers through users.info and usergroups.users.list and
opens modals with views.open, so these answer in Slack's shapes with Slack's error codes.
"""

from __future__ import annotations

import json
from typing import Any

from devstack.slack.store import SlackError, Store
from devstack.slack.validation import validate_view

Body = dict[str, Any]


def auth_test(store: Store, args: Body) -> Body:
    return {
        "url": store.base_url,
        "team": store.team_name,
        "user": store.bot_name,
        "team_id": store.team_id,
        "user_id": store.bot_user_id,
        "bot_id": store.bot_id,
        "is_enterprise_install": False,
    }


def users_info(store: Store, args: Body) -> Body:
    with store.lock:
        user = store.users.get(str(args.get("user") or ""))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.to_api(store.team_id)}


def users_list(store: Store, args: Body) -> Body:
    with store.lock:
        members = [u.to_api(store.team_id) for u in store.users.values()]
    return {"members": members, "cache_ts": 0, "response_metadata": {"next_cursor": ""}}


def usergroups_users_list(store: Store, args: Body) -> Body:
    with store.lock:
        group = store.usergroups.get(str(args.get("usergroup") or ""))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": list(group["users"])}


def usergroups_list(store: Store, args: Body) -> Body:
    include_users = str(args.get("include_users", "")).lower() in ("1", "true")
    with store.lock:
        groups = []
        for group in store.usergroups.values():
            item = {
                "id": group["id"],
                "team_id": store.team_id,
                "is_usergroup": True,
                "name": group["name"],
                "handle": group["handle"],
                "user_count": len(group["users"]),
            }
            if include_users:
                item["users"] = list(group["users"])
            groups.append(item)
    return {"usergroups": groups}


def _view_arg(args: Body) -> dict[str, Any]:
    raw = args.get("view")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_arguments", ["[ERROR] failed to parse view JSON [json-pointer:/view]"]) from None
    errors = validate_view(raw)
    if errors or not isinstance(raw, dict):
        raise SlackError("invalid_arguments", errors)
    return raw


def _stored_view(store: Store, view: dict[str, Any], *, view_id: str | None = None) -> dict[str, Any]:
    stored = dict(view)
    stored.setdefault("private_metadata", "")
    stored.setdefault("callback_id", "")
    stored.update(
        id=view_id or store.next_id("V"),
        team_id=store.team_id,
        state={"values": {}},
        hash=store.new_ts().replace(".", ""),
        app_id="A0PERFBOT",
        bot_id=store.bot_id,
    )
    stored.setdefault("root_view_id", stored["id"])
    return stored


def _exchange_trigger(store: Store, args: Body) -> None:
    trigger = args.get("trigger_id") or args.get("interactivity_pointer")
    if not isinstance(trigger, str) or not trigger:
        raise SlackError("invalid_arguments", ["[ERROR] missing required field: trigger_id"])
    with store.lock:
        if trigger in store.used_triggers:
            raise SlackError("exchanged_trigger_id")
        store.used_triggers.add(trigger)


def views_open(store: Store, args: Body) -> Body:
    view = _view_arg(args)
    _exchange_trigger(store, args)
    stored = _stored_view(store, view)
    with store.lock:
        store.views.append(stored)
    return {"view": stored}


def views_push(store: Store, args: Body) -> Body:
    return views_open(store, args)


def views_update(store: Store, args: Body) -> Body:
    view = _view_arg(args)
    view_id, external_id = args.get("view_id"), args.get("external_id")
    with store.lock:
        for i, existing in enumerate(store.views):
            if (view_id and existing["id"] == view_id) or (external_id and existing.get("external_id") == external_id):
                store.views[i] = _stored_view(store, view, view_id=existing["id"])
                return {"view": store.views[i]}
    raise SlackError("not_found")


WORKSPACE_METHODS = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.list": users_list,
    "usergroups.users.list": usergroups_users_list,
    "usergroups.list": usergroups_list,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
}
