"""Configured channel names become Slack channel IDs once per container; IDs pass through without a call."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.channels import ChannelDirectory, ChannelNotFound


class ListingClient:
    """conversations.list as slack_sdk's paginator yields it: one dict per page."""

    def __init__(self, pages: list[list[tuple[str, str]]]) -> None:
        self.pages = pages
        self.calls: list[dict[str, Any]] = []

    def conversations_list(self, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(kwargs)
        return [{"channels": [{"id": i, "name": n} for n, i in page]} for page in self.pages]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_id_is_used_as_it_is_without_asking_slack() -> None:
    client = ListingClient([])
    assert ChannelDirectory(client).channel_id("C0123456789") == "C0123456789"
    assert ChannelDirectory(client).channel_id(" G0PRIVATE12 ") == "G0PRIVATE12"
    assert client.calls == []


def test_names_resolve_across_pages_with_one_listing_per_container() -> None:
    client = ListingClient([[("perf-alerts", "C0ALERTS001")], [("Perf-Reports", "G0REPORTS01")]])
    directory = ChannelDirectory(client)
    assert directory.channel_id("#perf-alerts") == "C0ALERTS001"
    assert directory.channel_id("perf-reports") == "G0REPORTS01"  # names compare case-insensitively
    assert directory.channel_id("#PERF-ALERTS") == "C0ALERTS001"
    assert len(client.calls) == 1
    assert client.calls[0]["types"] == "public_channel,private_channel"
    assert client.calls[0]["exclude_archived"] is True


def test_an_unknown_name_is_a_clear_error_and_is_looked_up_again_only_after_a_minute() -> None:
    client, clock = ListingClient([[("perf-alerts", "C0ALERTS001")]]), Clock()
    directory = ChannelDirectory(client, clock=clock)
    with pytest.raises(ChannelNotFound, match=r"#ops-private .*/invite @perfbot"):
        directory.channel_id("#ops-private")
    with pytest.raises(ChannelNotFound):
        directory.channel_id("#ops-private")
    assert len(client.calls) == 1  # conversations.list is Tier 2: no listing per miss
    client.pages = [[("perf-alerts", "C0ALERTS001"), ("ops-private", "G0OPSPRIV01")]]
    clock.now = 61
    assert directory.channel_id("#ops-private") == "G0OPSPRIV01"
    assert len(client.calls) == 2
