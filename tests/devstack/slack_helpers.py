"""Shared by the Slack-emulator test modules: a workspace to post in, and the refusal a call provokes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from devstack.slack import SlackEmulator
from devstack.slack.scopes import ALL_SCOPES


def open_workspace(emu: SlackEmulator, channels: Iterable[str]) -> None:
    """Every scope (scopes have their own tests) and the public channels a module posts to: channels exist only
    once added, and the bot is in them."""
    emu.set_scopes(ALL_SCOPES)
    for name in channels:
        emu.add_channel(name)


def refused(emu: SlackEmulator, call: Callable[[], Any], error: str) -> dict[str, Any]:
    """Run ``call``, which Slack would refuse with ``error``; mark that refusal expected and return the answer."""
    emu.expect_refusal(error=error)
    with pytest.raises(SlackApiError) as info:
        call()
    assert info.value.response["error"] == error, info.value.response.data
    return dict(info.value.response.data)
