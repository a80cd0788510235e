"""The demo's stage: the devstack, a signed-request "Slack client", narration, and the transcript."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.request import Request, urlopen

from devstack import lambdas, slack_requests
from devstack.stack import Devstack

DEMO_CHANNEL = "#perf-alerts"
ALICE = "U0APPROVER1"  # an approver in the shipped perfbot.yml
BOB = "U0BOB"
LOG_PATH = Path("build/demo.log")  # perfbot's own log lines: a Lambda writes them to CloudWatch Logs, not to Slack


class DemoStage:
    def __init__(self) -> None:
        self.stack = Devstack()
        self.problems: list[str] = []
        self.handler: Any = None
        self._log: logging.FileHandler | None = None
        self._restore: list[Any] = []
        self._shown: dict[tuple[str, str, str], str] = {}  # what the live transcript printed, per message

    def __enter__(self) -> DemoStage:
        self.stack.start()
        self._route_logs()
        emu = self.stack.slack
        emu.add_user(ALICE, "alice", "Alice Approver")
        emu.add_user(BOB, "bob", "Bob Builder")
        import handlers.slack

        self.handler = handlers.slack.handler
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stack.stop()
        for undo in reversed(self._restore):
            undo()
        if self._log is not None:
            self._log.close()

    def _route_logs(self) -> None:
        """The story on the terminal, perfbot's logs in LOG_PATH as a Lambda writes them: the Lambdas' own logging
        setup (bot.observability: Powertools JSON for bot.* and handlers.*) with its stream pointed at the file, and
        other libraries' warnings in plain text, as Lambda's runtime prints what reaches the root logger."""
        from bot import observability

        LOG_PATH.parent.mkdir(parents=True, exist_ok=True)
        self._log = logging.FileHandler(LOG_PATH, mode="w", encoding="utf-8")
        self._log.setLevel(logging.WARNING)
        self._log.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(name)s\t%(message)s"))
        root = logging.getLogger()
        root.addHandler(self._log)
        self._restore.append(lambda: root.removeHandler(self._log))
        lambda_logs = observability.setup_logging().registered_handler
        if isinstance(lambda_logs, logging.StreamHandler):
            previous = lambda_logs.setStream(self._log.stream)
            self._restore.append(lambda: lambda_logs.setStream(previous))

    @property
    def log_stream(self) -> IO[str]:
        stream = self._log.stream if self._log is not None else None
        return stream or sys.stderr

    @property
    def emu(self) -> Any:
        return self.stack.slack

    def say(self, text: str) -> None:
        self.show_changes()
        print(f"\n▶ {text}", flush=True)

    def show_changes(self) -> None:
        """Print every message that appeared or changed since the last narration line, as it looks now (buttons
        included): the transcript interleaves the story and the channel as they were at each step."""
        emu = self.emu
        if emu is None:
            return
        current: list[tuple[tuple[str, str, str], str]] = []
        for channel in [c.id for c in emu.conversations()]:
            for message in emu.messages(channel):
                current.append(((channel, message.ts, ""), emu.render(message)))
                for reply in emu.replies(channel, message.ts) if message.reply_count else []:
                    if reply.ts != message.ts:
                        current.append(((channel, reply.ts, ""), emu.render(reply, reply=True)))
            for note in emu.ephemerals(channel):
                current.append(((channel, note.ts, note.ephemeral_user or ""), emu.render(note)))
        for key, rendered in sorted(current, key=lambda item: float(item[0][1])):
            if self._shown.get(key) != rendered:
                prefix = "  ↻ " if key in self._shown else "  "  # ↻: a message shown before, as it is now
                print(prefix + rendered.replace("\n", "\n  "), flush=True)
                self._shown[key] = rendered

    def check(self, ok: bool, problem: str) -> None:
        """Record a broken promise; the demo exits non-zero if any."""
        if not ok:
            self.problems.append(problem)
            print(f"  ✗ {problem}", file=sys.stderr)

    def slash(self, text: str, *, user: str = ALICE, channel: str = DEMO_CHANNEL) -> dict[str, Any]:
        """Type ``/perf <text>`` in Slack: a signed request through the Lambda handler, then Slack shows the ack."""
        channel_id = self.emu.channel_id(channel)
        response_url = self.emu.response_url(channel_id, user)
        body = slack_requests.slash_command_body(
            text,
            user_id=user,
            channel_id=channel_id,
            response_url=response_url,
            channel_name=channel.lstrip("#"),
            trigger_id=self.emu.trigger_id(),
        )
        event = slack_requests.signed_event(body, self.stack.signing_secret)
        with lambdas.running_as("slack"):  # the slack function's role, for the ack and the lazy work after it
            response = self.handler(event, lambdas.context("slack"))
            self._show_ack(response, response_url)
            lambdas.wait_idle()
        return dict(response)

    def _show_ack(self, response: dict[str, Any], response_url: str) -> None:
        """Slack displays a slash command's HTTP response body; replay it into the emulator for the transcript."""
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

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = ALICE,
        channel: str = DEMO_CHANNEL,
        message_ts: str = "",
        retry_num: int | None = None,
    ) -> dict[str, Any]:
        """Click a button on a message: a signed block_actions request through the Lambda handler, then wait."""
        event = slack_requests.click_event(
            self.emu,
            self.stack.signing_secret,
            action_id,
            value,
            user=user,
            channel=channel,
            message_ts=message_ts,
            retry_num=retry_num,
        )
        return dict(lambdas.invoke("slack", event))  # as the slack function, its lazy work included

    def approve(self, p: Any, *, user: str, reason: str = "", retried: bool = False) -> None:
        """``user`` approves proposal ``p`` as its card asks: a click on Approve, or — a high-risk card — Approve opens
        the reason modal and ``user`` submits it (``reason``). ``retried``: Slack re-sends that request too."""
        if p.risk != "high":
            self.click("approve_proposal", p.id, user=user, message_ts=p.message_ts)
            if retried:
                self.click("approve_proposal", p.id, user=user, message_ts=p.message_ts, retry_num=1)
            return
        self.click("approve_with_reason", p.id, user=user, message_ts=p.message_ts)
        views = [v for v in self.emu.views() if v["callback_id"] == "approve_with_reason"]
        self.check(bool(views), "a high-risk Approve opened no reason modal")
        if not views:
            return
        payload = slack_requests.view_submission_payload(views[-1], user, {"reason": reason or "approved in the demo"})
        event = slack_requests.signed_event(slack_requests.block_action_body(payload), self.stack.signing_secret)
        lambdas.invoke("slack", event)
        if retried:
            retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
            lambdas.invoke("slack", event | {"headers": event["headers"] | retry})

    def alarm(self, event: dict[str, Any]) -> dict[str, Any]:
        """CloudWatch → SNS → the alarm Lambda: hand ``event`` to handlers.alarms.handler, return its batch summary."""
        with contextlib.redirect_stdout(self.log_stream):  # Powertools prints EMF metric lines to stdout
            return dict(lambdas.invoke("alarms", event))

    def schedule(self, event: dict[str, Any]) -> dict[str, Any]:
        """EventBridge → the schedule Lambda: hand ``event`` to handlers.schedule.handler, return its result."""
        return dict(lambdas.invoke("schedule", event))

    def print_transcript(self) -> None:
        self.show_changes()
        print("\n" + "═" * 100)
        print(self.emu.transcript())
        print("═" * 100)

    def exit_code(self) -> int:
        for denial in self.stack.aws.denials:  # what the functions' IAM roles would have refused on AWS too
            self.problems.append(f"AWS denied {denial.action} on {denial.resource} to {denial.principal}")
        for refused in self.emu.unexpected_refusals:  # what a real workspace would have refused too
            self.problems.append(f"Slack refused {refused.method}: {refused.error} {refused.detail}".rstrip())
        if self.problems:
            print(f"\nDemo finished with {len(self.problems)} problem(s):", file=sys.stderr)
            for problem in self.problems:
                print(f"  - {problem}", file=sys.stderr)
            return 1
        print(f"\nDemo finished: every step did what it promised. perfbot's own logs: {LOG_PATH}")
        return 0
