"""The web channel in a real browser: after a short story (an alarm with its graph, a recommendation card) the page
shows what the emulator holds, and clicking Acknowledge and Approve goes to perfbot as Slack's signed requests; a
high-risk Approve opens the reason modal, whose submission approves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from devstack.web import WebChannel
from tests.support import monitored
from tests.support.alarm_helpers import LATENCY_ALARM, event, invoke
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, BOB, CHANNEL, card_for

pytestmark = pytest.mark.functional


@pytest.fixture
def web(stack: Any, slack_handler: Any) -> Iterator[WebChannel]:
    stack.slack.add_user(ALICE, "alice", "Alice Approver")
    with WebChannel(stack, default_user=ALICE) as channel:
        yield channel


def _story(stack: Any) -> tuple[Any, Any]:
    """An alarm (its graph uploaded into its thread) and a recommendation card awaiting a decision."""
    monitored.create_function()
    invoke(event(LATENCY_ALARM, "ALARM", datetime.now(UTC)))
    proposal = card_for(stack, memory_rec(risk="medium"))
    [alarm] = [m for m in stack.slack.messages(CHANNEL) if "API-HighLatency-P95" in m.text]
    return alarm, proposal


def _message(driver: Any, ts: str) -> Any:
    return driver.find_element(By.CSS_SELECTOR, f'.msg[data-ts="{ts}"]')


def _waiting(browser: Any) -> WebDriverWait:
    """The page redraws its feed on every change it polls, so an element found a moment ago can be gone: look again."""
    return WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,))


def _click(browser: Any, ts: str, action_id: str) -> dict[str, str]:
    """Click the button ``action_id`` on the message ``ts`` (found afresh until a click lands); its class and confirm
    spec as they were when clicked."""

    def attempt(driver: Any) -> dict[str, str]:
        button = _message(driver, ts).find_element(By.CSS_SELECTOR, f'button[data-action-id="{action_id}"]')
        seen = {"class": button.get_attribute("class") or "", "confirm": button.get_attribute("data-confirm") or ""}
        button.click()
        return seen

    return dict(_waiting(browser).until(attempt))


def test_the_channel_renders_the_alarm_and_its_buttons_work(
    stack: Any, web: WebChannel, browser: Any, screenshots: Path
) -> None:
    alarm, proposal = _story(stack)
    channel_id = stack.slack.channel_id(CHANNEL)
    browser.get(f"{web.url}c/{channel_id}?as={ALICE}")
    wait = _waiting(browser)

    shown = _message(browser, alarm.ts)
    assert "API-HighLatency-P95" in shown.text
    graph = shown.find_element(By.CSS_SELECTOR, ".thread img.upload")  # the graph uploaded into the thread
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", graph) > 0
    assert shown.find_element(By.CSS_SELECTOR, ".b-header, .b-text").text
    browser.save_screenshot(str(screenshots / "web-channel-alarm.png"))

    _click(browser, alarm.ts, "alarm_ack")
    wait.until(lambda d: "Acknowledged by" in _message(d, alarm.ts).text)

    approve = _click(browser, proposal.message_ts, "approve_proposal")
    assert "primary" in approve["class"]
    if approve["confirm"]:  # Slack asks first when the button has a confirm dialog
        wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "dialog[open] .c-ok"))).click()
    wait.until(lambda d: "undo_change" in d.find_element(By.ID, "feed").get_attribute("innerHTML"))
    browser.save_screenshot(str(screenshots / "web-channel-approved.png"))

    from bot.changes.store import proposal_store

    assert proposal_store().get(proposal.id).state == "applied"
    assert "Acknowledged by" in stack.slack.messages(CHANNEL)[0].plain_text()


def test_a_high_risk_approve_asks_for_a_reason_in_a_modal(
    stack: Any, web: WebChannel, browser: Any, screenshots: Path
) -> None:
    from bot.changes.store import proposal_store

    stack.slack.add_user(BOB, "bob", "Bob Builder")
    monitored.create_function()
    p = card_for(stack, memory_rec(risk="high"), requester=BOB)  # Bob asked: Alice, another approver, decides
    browser.get(f"{web.url}c/{stack.slack.channel_id(CHANNEL)}?as={ALICE}")
    wait = _waiting(browser)

    _click(browser, p.message_ts, "approve_with_reason")
    reason = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "dialog#modal[open] textarea[name=reason]")))
    assert "Approve high-risk change" in browser.find_element(By.CSS_SELECTOR, "dialog#modal .m-title").text
    reason.send_keys("ok")
    browser.find_element(By.CSS_SELECTOR, "dialog#modal .m-submit").click()
    wait.until(lambda d: "at least 5 characters" in d.find_element(By.CSS_SELECTOR, ".m-error[data-for=reason]").text)
    browser.save_screenshot(str(screenshots / "web-modal-reason.png"))
    assert proposal_store().get(p.id).state == "proposed"

    reason.send_keys(" — the evening peak needs it")  # the dialog stayed open with what was typed
    browser.find_element(By.CSS_SELECTOR, "dialog#modal .m-submit").click()
    wait.until(lambda d: "undo_change" in _message(d, p.message_ts).get_attribute("innerHTML"))
    assert not browser.find_elements(By.CSS_SELECTOR, "dialog#modal[open]")
    assert proposal_store().get(p.id).state == "applied"


def test_the_perf_box_answers_the_viewing_user_only(stack: Any, web: WebChannel, browser: Any) -> None:
    stack.slack.add_user("U0BOB", "bob", "Bob Builder")
    channel_id = stack.slack.channel_id(CHANNEL)
    browser.get(f"{web.url}c/{channel_id}?as={ALICE}")
    box = browser.find_element(By.ID, "command")
    box.send_keys("/perf help")
    browser.find_element(By.CSS_SELECTOR, "#composer button[type=submit]").click()
    _waiting(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.ephemeral"))
    answer = browser.find_element(By.CSS_SELECTOR, ".msg.ephemeral")
    assert "Only visible to you" in answer.text and "/perf" in answer.text

    [answered] = stack.slack.ephemerals(CHANNEL, ALICE)  # what the emulator got through the command's response_url
    assert answered.ephemeral_user == ALICE

    browser.get(f"{web.url}c/{channel_id}?as=U0BOB")  # Bob does not see Alice's ephemeral answer
    assert not browser.find_elements(By.CSS_SELECTOR, ".msg.ephemeral")
    assert browser.find_element(By.ID, "user").get_attribute("value") == "U0BOB"


def test_the_home_tab_shows_what_is_open_and_its_undo_works(
    stack: Any, web: WebChannel, browser: Any, screenshots: Path
) -> None:
    from devstack import lambdas, slack_requests

    monitored.create_function()
    p = card_for(stack, memory_rec(risk="medium"))
    event_ = slack_requests.click_event(
        stack.slack,
        stack.signing_secret,
        "approve_proposal",
        p.id,
        user=ALICE,
        channel=CHANNEL,
        message_ts=p.message_ts,
    )
    lambdas.invoke("slack", event_)
    browser.get(f"{web.url}home?as={ALICE}")  # opening the tab sends app_home_opened; perfbot publishes the view
    home = browser.find_element(By.ID, "feed")
    assert "Recently applied" in home.text and p.id in home.text and "SLA" in home.text
    browser.save_screenshot(str(screenshots / "web-home.png"))
    undo = (By.CSS_SELECTOR, 'button[data-action-id="home_undo_change"]')
    _waiting(browser).until(lambda d: d.find_element(*undo).click() or True)  # found afresh if the tab was redrawn
    _waiting(browser).until(
        lambda d: (
            "Undo of" in d.find_element(By.ID, "feed").text or "another approver" in d.find_element(By.ID, "feed").text
        )
    )
    from bot.changes.store import proposal_store

    assert [q for q in proposal_store().pending() if q.undo_of == p.id]  # the undo card exists, as from the card
