"""Who may approve what, where — decided by code from the configuration, whatever the card looked like."""

from __future__ import annotations

import time

import pytest

from bot.changes.authorize import CachedGroupMembers, Click, approval_channels, authorize, cards_channel
from bot.settings import Approvers, ChannelRoute, Settings, SlackSettings, Tables
from tests.support.change_factories import FakeDirectory, proposal

APPROVER, OTHER_APPROVER, GROUP_MEMBER, STRANGER = "U0APPROVER1", "U0APPROVER2", "U0INGROUP1", "U0STRANGER"


def settings(channels: list[str] | None = None, routes: list[str] | None = None) -> Settings:
    return Settings(
        tables=Tables(state="s", audit="a", idempotency="i"),
        slack=SlackSettings(
            alarm_channel="#perf-alerts",
            digest_channel="#perf-reports",
            routes=[ChannelRoute(channel=c, service="payments") for c in routes or []],
        ),
        approvers=Approvers(users=[APPROVER, OTHER_APPROVER], usergroups=["S0APPROVE"], channels=channels or []),
    )


members = FakeDirectory(groups={"S0APPROVE": [GROUP_MEMBER]})


def click(user: str = APPROVER, channel_id: str = "C0PERFALRT", name: str = "perf-alerts") -> Click:
    return Click(user=user, channel_id=channel_id, channel_name=name)


def test_configured_approver_in_the_alarm_channel_may_approve() -> None:
    assert authorize(proposal(), click(), settings(), members) is None


def test_member_of_an_approver_group_may_approve() -> None:
    assert authorize(proposal(), click(GROUP_MEMBER), settings(), members) is None


@pytest.mark.parametrize(
    ("p", "c", "channels", "reason"),
    [
        (None, click(), None, "unknown"),
        (proposal(approve_by=int(time.time()) - 1), click(), None, "expired"),
        (proposal(state="expired"), click(), None, "expired"),
        (proposal(), click(STRANGER), None, "not_approver"),
        (proposal(), click(channel_id="C0RANDOM01", name="random"), None, "wrong_channel"),
        (proposal(), click(channel_id="C0PERFALRT", name="perf-alerts"), ["#perf-changes"], "wrong_channel"),
        (proposal(risk="high", requester=APPROVER), click(APPROVER), None, "own_high_risk"),
    ],
)
def test_refusals(p: object, c: Click, channels: list[str] | None, reason: str) -> None:
    refusal = authorize(p, c, settings(channels), members)  # type: ignore[arg-type]
    assert refusal is not None and refusal.reason == reason
    assert refusal.message


def test_high_risk_needs_someone_other_than_the_requester() -> None:
    high = proposal(risk="high", requester=APPROVER)
    assert authorize(high, click(OTHER_APPROVER), settings(), members) is None
    assert authorize(proposal(risk="medium", requester=APPROVER), click(APPROVER), settings(), members) is None


def test_allowed_channels_are_compared_by_id_whether_configured_by_id_or_name() -> None:
    there = proposal(channel="C0CHANGES1")
    assert authorize(there, click(channel_id="C0CHANGES1", name="x"), settings(["C0CHANGES1"]), members) is None
    assert authorize(there, click(channel_id="C0CHANGES1"), settings(["#perf-changes"]), members) is None
    # the name in the click payload proves nothing: only the ID Slack resolved the configured name to counts
    refusal = authorize(there, click(channel_id="C0X", name="perf-changes"), settings(["#perf-changes"]), members)
    assert refusal is not None and refusal.reason == "wrong_channel"


# -- a card is decided where it was posted --------------------------------------------------------------------------


def test_a_card_in_a_routed_alarm_channel_can_be_decided_there() -> None:
    routed = proposal(channel="C0CHANGES1")  # posted in an alarm's thread in its routed channel
    assert approval_channels(settings(routes=["#perf-changes"])) == ["#perf-alerts", "#perf-reports", "#perf-changes"]
    assert authorize(routed, click(channel_id="C0CHANGES1"), settings(routes=["#perf-changes"]), members) is None
    refusal = authorize(routed, click(channel_id="C0CHANGES1"), settings(), members)  # not routed there (any more)
    assert refusal is not None and refusal.reason == "wrong_channel"


def test_an_explicit_allow_list_is_the_whole_policy() -> None:
    routed = proposal(channel="C0CHANGES1")
    configured = settings(channels=["#perf-alerts"], routes=["#perf-changes"])
    assert approval_channels(configured) == ["#perf-alerts"]
    refusal = authorize(routed, click(channel_id="C0CHANGES1"), configured, members)
    assert refusal is not None and refusal.reason == "wrong_channel" and "#perf-alerts" in refusal.message


def test_a_card_is_decided_only_in_the_channel_it_was_posted_in() -> None:
    in_alerts = proposal(channel="C0PERFALRT")
    refusal = authorize(in_alerts, click(channel_id="C0PERFREPT"), settings(), members)  # another approval channel
    assert refusal is not None and refusal.reason == "wrong_channel" and "posted in" in refusal.message
    assert authorize(proposal(channel="#perf-reports"), click(channel_id="C0PERFREPT"), settings(), members) is None


def test_cards_go_where_they_can_be_decided() -> None:
    assert cards_channel("C0PERFALRT", settings(), members) == "C0PERFALRT"
    assert cards_channel("C0CHANGES1", settings(routes=["#perf-changes"]), members) == "C0CHANGES1"
    assert cards_channel("C0RANDOM01", settings(), members) == "#perf-reports"
    assert cards_channel("", settings(), members) == "#perf-reports"  # perfbot cannot post where it was asked
    assert cards_channel("C0RANDOM01", settings(channels=["#perf-changes"]), members) == "#perf-changes"


def test_a_configured_channel_slack_does_not_know_allows_nothing() -> None:
    refusal = authorize(proposal(), click(channel_id="C0PERFALRT"), settings(["#no-such-channel"]), members)
    assert refusal is not None and refusal.reason == "wrong_channel"


def test_group_membership_is_cached() -> None:
    calls: list[str] = []

    def fetch(group: str) -> list[str]:
        calls.append(group)
        return [GROUP_MEMBER]

    cached = CachedGroupMembers(fetch, ttl_s=60)
    assert cached("S0APPROVE") == cached("S0APPROVE") == [GROUP_MEMBER]
    assert calls == ["S0APPROVE"]
