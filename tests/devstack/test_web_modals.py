"""Modals in the web channel: the view perfbot opens with views.open comes with the feed of the user whose click or
command carried the trigger, its submission goes to perfbot as Slack's signed ``view_submission``, an ``errors``
answer keeps it open, anything else (or Cancel) closes it — driven through the web channel's Flask app."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.audit import audit_log
from bot.changes.store import proposal_store
from devstack.slack import SlackEmulator
from devstack.web import create_app
from tests.support import monitored
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, BOB, CAROL, CHANNEL, card_for

pytestmark = pytest.mark.functional

REASON = "the 19:00 traffic peak needs the memory"


@pytest.fixture
def people(stack: Any, slack_handler: Any) -> Iterator[Any]:
    """The monitored function at 1024 MB; Alice and Carol (approvers) and Bob in the workspace; no IAM denials."""
    monitored.create_function(memory_mb=1024)
    for user, name in ((ALICE, "alice"), (CAROL, "carol"), (BOB, "bob")):
        stack.slack.add_user(user, name, name.title())
    yield stack
    assert not stack.aws.denials, "AWS denied requests the function's IAM role would deny too"


@pytest.fixture
def web(people: Any) -> Any:
    return create_app(people, default_user=ALICE).test_client()


def feed(web: Any, stack: Any, user: str, since: str = "") -> Any:
    return web.get(f"/c/{stack.slack.channel_id(CHANNEL)}/feed?as={user}&since={since}")


def command(web: Any, text: str, user: str = ALICE) -> dict[str, Any]:
    """``user`` types ``/perf <text>`` in the channel's box."""
    return dict(web.post("/api/command", json={"user": user, "channel": CHANNEL, "text": text}).json)


def submit(web: Any, user: str, view_id: str, values: dict[str, str]) -> dict[str, Any]:
    answer = web.post("/api/view-submit", json={"user": user, "view_id": view_id, "values": values})
    assert answer.status_code == 200, answer.text
    return dict(answer.json)


def test_a_high_risk_approve_asks_the_clicking_approver_for_a_reason_in_a_modal(people: Any, web: Any) -> None:
    stack = people
    p = card_for(stack, memory_rec(risk="high"), requester=BOB)  # a person asked: one other approver decides
    before = feed(web, stack, ALICE)
    assert "modal-view" not in before.text
    messages = [m.to_api(stack.slack.team_id) for m in stack.slack.messages(CHANNEL)]

    click = {"user": ALICE, "channel": stack.slack.channel_id(CHANNEL), "ts": p.message_ts, "value": p.id}
    assert web.post("/api/click", json=click | {"action_id": "approve_with_reason"}).json["ok"]

    shown = feed(web, stack, ALICE, since=before.headers["X-Feed-Version"])
    assert shown.status_code == 200  # a new version: the modal alone changed what Alice sees
    assert [m.to_api(stack.slack.team_id) for m in stack.slack.messages(CHANNEL)] == messages
    assert 'data-callback-id="approve_with_reason"' in shown.text
    assert "Approve high-risk change" in shown.text and "Why approve it now?" in shown.text
    assert '<textarea id="m-reason" name="reason"' in shown.text and ">Approve</button>" in shown.text
    for other in (CAROL, BOB):  # the modal is on Alice's screen only
        assert "modal-view" not in feed(web, stack, other).text
    view_id = stack.slack.modal(ALICE)["id"]
    assert web.post("/api/view-submit", json={"user": BOB, "view_id": view_id, "values": {}}).status_code == 409

    short = submit(web, ALICE, view_id, {"reason": "ok"})
    assert short["errors"] == {"reason": "Say in at least 5 characters why this high-risk change should go ahead."}
    assert not short["closed"] and stack.slack.modal(ALICE)["id"] == view_id
    assert proposal_store().get(p.id).state == "proposed"

    done = submit(web, ALICE, view_id, {"reason": REASON})
    assert done["closed"] and not done["errors"] and done["status"] == "HTTP 200"
    assert proposal_store().get(p.id).state == "applied"
    [approved] = [e for e in audit_log().for_change(p.id) if e.action == "approved"]
    assert approved.actor == ALICE and f"reason: {REASON}" in approved.detail
    assert stack.slack.modal(ALICE) is None and "modal-view" not in feed(web, stack, ALICE).text
    assert monitored.memory_of() == 1536


def test_a_bare_perf_maintenance_opens_its_modal_and_the_submission_starts_maintenance(people: Any, web: Any) -> None:
    from bot.alarms.service import stores
    from bot.settings import get_settings

    stack = people
    answer = command(web, "maintenance")
    assert answer["ok"] and answer["status"] == "HTTP 200"
    page = web.get(f"/c/{stack.slack.channel_id(CHANNEL)}?as={ALICE}").text  # the page itself shows it too
    assert 'data-callback-id="perf_maintenance"' in page and '<select id="m-service" name="service" required>' in page
    assert '<option value="*" selected>All services</option>' in page and 'name="duration"' in page
    view_id = stack.slack.modal(ALICE)["id"]

    unknown = web.post("/api/view-submit", json={"user": ALICE, "view_id": view_id, "values": {"service": "nope"}})
    assert unknown.status_code == 400 and stack.slack.modal(ALICE)["id"] == view_id
    bad = submit(web, ALICE, view_id, {"service": "*", "duration": "soon", "reason": "x"})
    assert "duration" in bad["errors"] and not bad["closed"]

    done = submit(web, ALICE, view_id, {"service": "*", "duration": "2h", "reason": "database upgrade"})
    assert done["closed"] and not done["errors"]
    state = stores(get_settings())[1].get()
    assert state.active(time.time()) and state.manual_by == ALICE
    [posted] = stack.slack.messages(CHANNEL)
    assert "database upgrade" in posted.plain_text()
    assert stack.slack.modal(ALICE) is None


def test_cancel_closes_the_modal_and_sends_perfbot_nothing(people: Any, web: Any) -> None:
    stack = people
    command(web, "maintenance")
    view_id = stack.slack.modal(ALICE)["id"]
    calls = sum(stack.slack.calls.values())

    closed = web.post("/api/view-close", json={"user": ALICE, "view_id": view_id})
    assert closed.json["ok"] and stack.slack.modal(ALICE) is None
    assert "modal-view" not in feed(web, stack, ALICE).text
    assert sum(stack.slack.calls.values()) == calls and not stack.slack.messages(CHANNEL)
    assert web.post("/api/view-close", json={"user": ALICE, "view_id": view_id}).status_code == 409


MODAL = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Hello"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
}


def test_the_emulator_keeps_each_modal_for_the_user_whose_trigger_opened_it() -> None:
    alice, bob, now = "U0ALICE001", "U0BOB00001", [1_800_000_000.0]
    with SlackEmulator(clock=lambda: now[0]) as emu:
        client = WebClient(token=emu.bot_token, base_url=emu.api_url)
        opened = client.views_open(trigger_id=emu.trigger_id(alice), view=MODAL)["view"]
        client.views_open(trigger_id=emu.trigger_id(), view=MODAL)  # issued for nobody in particular: nobody's modal
        assert emu.modal(alice) == opened and emu.modal(bob) is None

        bye = MODAL | {"title": {"type": "plain_text", "text": "Bye"}}
        updated = client.views_update(view_id=opened["id"], view=bye)["view"]
        assert emu.modal(alice) == updated and updated["hash"] != opened["hash"]
        emu.close_modal(opened["id"])
        assert emu.modal(alice) is None

        late = emu.trigger_id(alice)
        now[0] += 3.1
        with pytest.raises(SlackApiError, match="expired_trigger_id"):  # a user's trigger is no less strict
            client.views_open(trigger_id=late, view=MODAL)
        assert emu.modal(alice) is None


def test_over_socket_mode_the_errors_come_in_the_ack_and_a_good_submission_closes_the_modal(people: Any) -> None:
    from bot.alarms.service import stores
    from bot.settings import get_settings
    from bot.slack.socket_mode import connect
    from devstack import lambdas

    stack = people
    socket_app = connect(stack.slack.app_token)
    try:
        assert stack.slack.socket_mode.wait_connected()
        web = create_app(stack, default_user=ALICE, transport="socket").test_client()
        with lambdas.running_as("slack"):  # the app's lazy work runs in this process, as the slack function
            assert command(web, "maintenance")["status"] == "with a Socket Mode ack"
            view_id = stack.slack.modal(ALICE)["id"]
            bad = submit(web, ALICE, view_id, {"service": "*", "duration": "soon", "reason": "x"})
            assert "duration" in bad["errors"] and not bad["closed"]
            done = submit(web, ALICE, view_id, {"service": "*", "duration": "2h", "reason": "database upgrade"})
            assert done["closed"] and not done["errors"]
            assert stack.slack.wait_for(lambda: bool(stack.slack.messages(CHANNEL)), timeout=10)
    finally:
        socket_app.close()
    assert stores(get_settings())[1].get().active(time.time()) and stack.slack.modal(ALICE) is None
