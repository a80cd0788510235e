"""Where perfbot is not a member: `/perf` answers through response_url (no membership needed) with an /invite hint,
analysis cards go where approvers can act, and an alarm in a public channel it was not invited to still posts."""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import get_settings
from devstack import lambdas, slack_requests
from devstack.simulator import simulate
from tests.conftest import load_event
from tests.functional.test_reports_slack import live_report_end, write_known_datapoints
from tests.support.alarm_helpers import invoke

pytestmark = pytest.mark.functional

ALICE, BOB = "U0APPROVER1", "U0BOB"


def slash_in(stack: Any, handler: Any, channel_id: str, text: str, user: str = ALICE) -> None:
    body = slack_requests.slash_command_body(
        text, user_id=user, channel_id=channel_id, response_url=stack.slack.response_url(channel_id, user)
    )
    assert lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))["statusCode"] == 200
    assert lambdas.wait_idle(timeout=90)


@pytest.fixture
def conversations(stack: Any) -> dict[str, str]:
    """A private channel and a DM perfbot is not in; its "working…" post there is refused, as Slack refuses it."""
    stack.slack.expect_refusal("chat.postMessage", "channel_not_found")
    for user, name in ((ALICE, "alice"), (BOB, "bob")):
        stack.slack.add_user(user, name, name.title())
    return {
        "private channel": stack.slack.add_channel("ops-private", is_private=True, bot_member=False, members=[ALICE]),
        "DM between two people": stack.slack.add_dm(ALICE, BOB),
    }


@pytest.mark.parametrize("where", ["private channel", "DM between two people"])
def test_perf_answers_through_response_url_where_perfbot_is_not_a_member(
    stack: Any, slack_handler: Any, conversations: dict[str, str], where: str
) -> None:
    channel = conversations[where]
    write_known_datapoints(stack.aws.endpoint_url, live_report_end())

    slash_in(stack, slack_handler, channel, "sla")

    [answer] = stack.slack.messages(channel)  # in_channel through the response_url: everyone there sees it
    assert answer.via_response_url and "SLA — last 24h" in answer.plain_text()
    [hint] = stack.slack.ephemerals(channel, ALICE)
    assert "not a member of this conversation" in hint.plain_text() and "/invite @perfbot" in hint.plain_text()
    # the placeholder post was refused the way Slack refuses it; perfbot expected that and changed course
    assert [(r.method, r.error) for r in stack.slack.refusals] == [("chat.postMessage", "channel_not_found")]


def test_graphs_that_cannot_be_shared_are_named_in_the_hint(
    stack: Any, slack_handler: Any, conversations: dict[str, str]
) -> None:
    channel = conversations["DM between two people"]
    write_known_datapoints(stack.aws.endpoint_url, live_report_end())

    slash_in(stack, slack_handler, channel, "metrics monitoring-api latency 24h")

    [answer] = stack.slack.messages(channel)
    assert "API Gateway latency" in answer.plain_text() and stack.slack.files() == []  # not even uploaded
    assert any("graph(s) left out" in m.plain_text() for m in stack.slack.ephemerals(channel, ALICE))


def test_analyze_where_perfbot_is_not_a_member_posts_its_cards_in_the_digest_channel(
    stack: Any, slack_handler: Any, conversations: dict[str, str]
) -> None:
    simulate(get_settings())
    channel = conversations["DM between two people"]

    slash_in(stack, slack_handler, channel, "analyze")

    [answer] = stack.slack.messages(channel)
    assert "recommendation" in answer.plain_text() and "cards were posted in" in answer.plain_text()
    [card] = stack.slack.messages("#perf-reports")
    [approve, reject] = [e["action_id"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert approve in ("approve_proposal", "approve_with_reason") and reject == "reject_proposal"


def test_analyze_in_a_channel_where_changes_are_not_decided_posts_its_cards_in_the_digest_channel(
    stack: Any, slack_handler: Any
) -> None:
    """A card is decided where it was posted, and only in an approval channel: no card with dead buttons in #random."""
    simulate(get_settings())
    stack.slack.add_user(ALICE, "alice", "Alice")
    channel = stack.slack.add_channel("random")

    slash_in(stack, slack_handler, channel, "analyze")

    [answer] = stack.slack.messages(channel)
    assert "recommendation" in answer.plain_text() and "approved only in perfbot's approval channels" in str(
        answer.blocks
    )
    [card] = stack.slack.messages("#perf-reports")
    [approve, reject] = [e["action_id"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]]
    assert approve in ("approve_proposal", "approve_with_reason") and reject == "reject_proposal"


def test_an_alarm_in_a_public_channel_perfbot_was_not_invited_to_posts_and_says_why_there_is_no_graph(
    stack: Any,
) -> None:
    from bot.alarms import service

    stack.slack.remove_bot("#perf-alerts")  # chat:write.public lets it post; sharing a file needs membership
    stack.slack.expect_refusal("files.completeUploadExternal", "not_in_channel")
    service.configure()
    try:
        assert invoke(load_event("alarms_sns_metric_alarm.json"))["posted"] == 1
    finally:
        stack.slack.invite_bot("#perf-alerts")  # the emulator's reset keeps memberships: later tests expect it in

    [message] = [m for m in stack.slack.messages("#perf-alerts") if not m.is_reply]
    [note] = [r for r in stack.slack.replies("#perf-alerts", message.ts) if r.ts != message.ts]
    assert "No graph attached" in note.text and "/invite @perfbot" in note.text
    assert [f for f in stack.slack.files() if f.channel] == []  # uploaded, never shared
    assert [(r.method, r.error) for r in stack.slack.refusals] == [("files.completeUploadExternal", "not_in_channel")]
