"""What the Slack client sends when a person types ``/perf …`` or clicks a button: signed requests through
``handlers.slack.handler`` (as the slack function, its lazy work included), built by ``devstack.slack_requests`` —
the same builder the tests and the demo use — or, with ``transport="socket"``, the same payloads as Socket Mode
envelopes to the app connected to the emulator's WebSocket (``python -m bot socket``)."""

from __future__ import annotations

import json
from typing import Any, Literal
from urllib.parse import parse_qsl
from urllib.request import Request, urlopen

from devstack import lambdas, slack_requests


class SlackClientActions:
    """A person's actions in the Slack client, for the web channel (and anyone driving the devstack by hand)."""

    def __init__(self, stack: Any, transport: Literal["http", "socket"] = "http") -> None:
        self.stack = stack
        self.transport = transport

    @property
    def emu(self) -> Any:
        return self.stack.slack

    def slash(self, text: str, *, user: str, channel: str) -> dict[str, Any]:
        """``/perf <text>`` typed by ``user`` in ``channel``; Slack then shows the HTTP answer (ephemeral)."""
        channel_id = self.emu.channel_id(channel)
        response_url = self.emu.response_url(channel_id, user)
        body = slack_requests.slash_command_body(
            text,
            user_id=user,
            user_name=self.emu.user_name(user) or user,
            channel_id=channel_id,
            response_url=response_url,
            channel_name=self.emu.channel_name(channel_id),
            trigger_id=self.emu.trigger_id(user),
        )
        if self.transport == "socket":  # Slack shows the ack's payload as it shows an HTTP answer
            return dict(self.emu.socket_mode.slash_command(dict(parse_qsl(body))))
        event = slack_requests.signed_event(body, self.stack.signing_secret)
        import handlers.slack

        with lambdas.running_as("slack"):  # the slack function's role, for the ack and the lazy work after it
            response = handlers.slack.handler(event, lambdas.context("slack"))
            show_ack(response, response_url)
        return dict(response)

    def click(
        self,
        *,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        value: str,
        block_id: str = "",
        label: str = "",
        ephemeral: bool = False,
    ) -> dict[str, Any]:
        """``user`` clicks a button on the message ``message_ts``: Slack's block_actions payload carries the whole
        message as the user sees it, a response_url bound to that message, and a trigger_id."""
        channel_id = self.emu.channel_id(channel)
        message = self._message(channel_id, message_ts, user, ephemeral)
        response_url = self.emu.response_url(channel_id, user, None if ephemeral else message_ts)
        payload = slack_requests.block_actions_payload(
            action_id,
            value,
            user=user,
            channel_id=channel_id,
            channel_name=self.emu.channel_name(channel_id),
            message=message,
            response_url=response_url,
            block_id=block_id,
            trigger_id=self.emu.trigger_id(user),
        )
        payload["container"]["is_ephemeral"] = ephemeral
        payload["user"]["username"] = payload["user"]["name"] = self.emu.user_name(user) or user.lower()
        if label:
            payload["actions"][0]["text"]["text"] = label
        return self._interactive(payload)

    def open_home(self, user: str) -> dict[str, Any]:
        """``user`` opens perfbot's Home tab: Slack's ``app_home_opened`` event, signed, over the Events API."""
        body = slack_requests.event_callback_body(self.emu.app_home_opened(user))
        if self.transport == "socket":
            return dict(self.emu.socket_mode.events_api(json.loads(body)))
        return dict(lambdas.invoke("slack", slack_requests.events_api_event(body, self.stack.signing_secret)))

    def click_in_home(self, *, user: str, action_id: str, value: str, block_id: str = "") -> dict[str, Any]:
        """A button on ``user``'s Home tab: block_actions from a ``view`` container (no channel, no response_url)."""
        view = self.emu.home_view(user) or {}
        payload = slack_requests.block_actions_payload(
            action_id,
            value,
            user=user,
            channel_id="",
            channel_name="",
            message={},
            response_url="",
            block_id=block_id,
            trigger_id=self.emu.trigger_id(user),
        )
        payload |= {"container": {"type": "view", "view_id": view.get("id", "")}, "view": view, "channel": None}
        del payload["response_url"], payload["message"]
        payload["user"]["username"] = payload["user"]["name"] = self.emu.user_name(user) or user.lower()
        return self._interactive(payload)

    def submit_view(self, view: dict[str, Any], *, user: str, values: dict[str, str]) -> dict[str, Any]:
        """``user`` submits the modal ``view`` (as the emulator holds it) with ``values`` per input block: Slack's
        ``view_submission``. Slack takes the modal away once the app answered, unless the answer is
        ``response_action: errors`` (shown next to the fields) or no answer came (Slack shows a connection error)."""
        payload = slack_requests.view_submission_payload(view, user, values)
        payload["user"]["username"] = payload["user"]["name"] = self.emu.user_name(user) or user.lower()
        response = self._interactive(payload)
        if answered_in_time(response) and not view_errors(response):
            self.emu.close_modal(str(view["id"]))
        return response

    def close_view(self, view: dict[str, Any]) -> None:
        """The person closes the modal (Cancel, Esc). Slack tells the app (``view_closed``) only when the view set
        ``notify_on_close``; perfbot's modals do not, and the web channel sends nothing."""
        self.emu.close_modal(str(view["id"]))

    def _interactive(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An interaction: a signed request into the slack function, or an ``interactive`` envelope."""
        if self.transport == "socket":
            return dict(self.emu.socket_mode.interactive(payload))
        event = slack_requests.signed_event(slack_requests.block_action_body(payload), self.stack.signing_secret)
        return dict(lambdas.invoke("slack", event))

    def _message(self, channel_id: str, ts: str, user: str, ephemeral: bool) -> dict[str, Any]:
        if ephemeral:
            found = [m for m in self.emu.ephemerals(channel_id, user) if m.ts == ts]
        else:
            found = [m for m in self.emu.messages(channel_id) if m.ts == ts]
            found = found or [m for t in self.emu.messages(channel_id) for m in self.emu.replies(channel_id, t.ts)]
            found = [m for m in found if m.ts == ts]
        if not found:
            return {"type": "message", "ts": ts}
        return dict(found[0].to_api(self.emu.team_id))


def answered_in_time(response: dict[str, Any]) -> bool:
    """Whether the app answered an interaction: HTTP 200, or a Socket Mode ack."""
    return response.get("statusCode") == 200 or bool(response.get("envelope_id"))


def view_errors(response: dict[str, Any]) -> dict[str, str]:
    """The ``response_action: errors`` of a view submission's answer — the HTTP body, or the Socket Mode ack's
    payload — as block_id → message (empty for any other answer)."""
    answer: Any = response.get("payload")
    if "envelope_id" not in response:
        try:
            answer = json.loads(response.get("body") or "{}")
        except ValueError:
            answer = {}
    if not isinstance(answer, dict) or answer.get("response_action") != "errors":
        return {}
    errors = answer.get("errors")
    return {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}


def show_ack(response: dict[str, Any], response_url: str) -> None:
    """Slack displays a slash command's HTTP response body (ephemeral unless it says otherwise); replay it into the
    emulator through the command's response_url so the channel shows it."""
    body = response.get("body") or ""
    if response.get("statusCode") != 200 or not body:
        return
    try:
        message = json.loads(body)
    except ValueError:
        message = {"text": body}
    message.setdefault("response_type", "ephemeral")
    request = Request(  # noqa: S310 — the emulator's loopback URL
        response_url, data=json.dumps(message).encode(), headers={"Content-Type": "application/json"}
    )
    with urlopen(request, timeout=5) as reply:  # noqa: S310
        reply.read()
