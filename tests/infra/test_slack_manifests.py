"""The Socket Mode manifest is the HTTP one with Socket Mode on: same scopes, command and events, no request URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

INFRA = Path(__file__).resolve().parents[2] / "infra"


def manifest(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((INFRA / name).read_text(encoding="utf-8")))


def without_urls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_urls(v) for k, v in value.items() if k not in ("url", "request_url")}
    if isinstance(value, list):
        return [without_urls(v) for v in value]
    return value


def test_socket_manifest_has_socket_mode_on_and_no_request_urls() -> None:
    socket = manifest("slack-app-manifest.socket.yml")
    assert socket["settings"]["socket_mode_enabled"] is True
    assert manifest("slack-app-manifest.yml")["settings"]["socket_mode_enabled"] is False
    assert without_urls(socket) == socket  # no url / request_url anywhere
    assert "execute-api" not in (INFRA / "slack-app-manifest.socket.yml").read_text(encoding="utf-8")


def test_both_manifests_grant_the_same_scopes_commands_and_events() -> None:
    http, socket = manifest("slack-app-manifest.yml"), manifest("slack-app-manifest.socket.yml")
    assert sorted(socket["oauth_config"]["scopes"]["bot"]) == sorted(http["oauth_config"]["scopes"]["bot"])
    assert without_urls(socket["features"]) == without_urls(http["features"])
    assert sorted(socket["settings"]["event_subscriptions"]["bot_events"]) == sorted(
        http["settings"]["event_subscriptions"]["bot_events"]
    )
    assert socket["settings"]["interactivity"]["is_enabled"] is http["settings"]["interactivity"]["is_enabled"] is True
    assert without_urls(socket["settings"]) == without_urls(http["settings"]) | {"socket_mode_enabled": True}
