"""The App Home tab: ``app_home_opened`` (Events API, on the same request URL as commands and buttons) publishes the
viewer's Home view; its Refresh and Undo buttons.

Slack re-sends an event it got no answer to within 3 seconds (``X-Slack-Retry-Num``, reason ``http_timeout``): the
first delivery was received and its lazy work is publishing, so such a retry is acknowledged and nothing more. A retry
for another reason (``http_error``…: the first delivery failed) does the work — publishing a Home view twice is
harmless, it replaces the view.

Undo from the Home tab is decided where the change's card was posted (its channel is the click's place for the
approver rules), and the card shows the undo as for a click on the card; the tab then shows what came of it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, Respond
from slack_sdk import WebClient

from bot.slack.errors import guarded
from bot.slack.listeners.acks import ack_at_once
from bot.slack.render.home import HOME_UNDO, REFRESH


def redelivered_while_working(request: BoltRequest) -> bool:
    """A retry Slack sent because the first delivery's answer came late: that delivery is doing the work."""
    retry = request.headers.get("x-slack-retry-num") or []
    reason = request.headers.get("x-slack-retry-reason") or [""]
    return bool(retry) and reason[0] == "http_timeout"


def open_home(event: dict[str, Any], client: WebClient, request: BoltRequest, respond: Respond) -> None:
    """Lazy: publish the Home tab of the user who opened it."""
    if redelivered_while_working(request) or event.get("tab") != "home":
        return
    from bot.slack.delivery.home import publish_home

    publish_home(client, str(event["user"]))


def refresh_home(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    from bot.slack.delivery.home import publish_home

    publish_home(client, str((body.get("user") or {}).get("id") or ""))


def undo_from_home(body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext) -> None:
    """Undo clicked on the Home tab: the same undo as the card's button, decided in the card's channel."""
    from bot.changes.store import UnknownProposal, proposal_store
    from bot.slack import messages
    from bot.slack.delivery.changes import change_orchestrator
    from bot.slack.delivery.home import publish_home
    from bot.slack.listeners.changes import _click, _directory_of, outcome_text

    change_id, click = _click(body, context)
    try:
        channel = proposal_store().get(change_id).channel
    except UnknownProposal:
        channel = ""
    click = dataclasses.replace(click, channel_id=channel, slack_ids={**click.slack_ids, "surface": "app_home"})
    outcome = change_orchestrator(client).undo(change_id, click, _directory_of(client))
    notice = outcome_text(outcome) or messages.home_undo_started(change_id, channel)
    publish_home(client, click.user, notice=notice)


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_at_once, lazy=[guarded(open_home)])
    app.action(REFRESH)(ack=ack_at_once, lazy=[guarded(refresh_home)])
    app.action(HOME_UNDO)(ack=ack_at_once, lazy=[guarded(undo_from_home)])
