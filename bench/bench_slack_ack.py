"""P1 — warm ack of a signed `/perf` command through handlers.slack.handler vs a bare Bolt app, same adapter."""

from __future__ import annotations

import time
from typing import Any

from bench.stats import percentile, verdict
from devstack import lambdas, slack_requests
from devstack.stack import Devstack

ROUNDS = 3000
WARMUP = 20
GOAL = 1.2


def _bare_handler(stack: Devstack) -> Any:
    from slack_bolt import App
    from slack_bolt.adapter.aws_lambda import SlackRequestHandler
    from slack_sdk import WebClient

    app = App(
        client=WebClient(token=stack.env["SLACK_BOT_TOKEN"], base_url=stack.env["SLACK_API_URL"]),
        signing_secret=stack.signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
    )
    # The bare app answers with the same help payload, so the ratio measures perfbot's own overhead
    # (handler wrapper, subcommand matching, listeners) rather than the size of the answer.
    from bot.slack.listeners.perf import show_help

    reply = show_help(None)  # type: ignore[arg-type]
    app.command("/perf")(lambda ack: ack(text=reply.text, blocks=reply.blocks))
    adapter = SlackRequestHandler(app)
    return adapter.handle


def _time_pairs(handlers_: list[Any], stack: Devstack, channel_id: str) -> list[list[float]]:
    """Alternate the handlers request by request, so both see the same machine at the same moments."""
    context = lambdas.context("slack")
    samples: list[list[float]] = [[] for _ in handlers_]
    for i in range(WARMUP + ROUNDS):
        order = range(len(handlers_)) if i % 2 else reversed(range(len(handlers_)))  # neither always goes first
        for index in order:
            handle = handlers_[index]
            body = slack_requests.slash_command_body(
                "help", user_id="U0BENCH", channel_id=channel_id, response_url="http://127.0.0.1:9/unused"
            )
            event = slack_requests.signed_event(body, stack.signing_secret)
            start = time.perf_counter()
            response = handle(event, context)
            elapsed = time.perf_counter() - start
            if response["statusCode"] != 200:
                raise RuntimeError(f"ack failed: {response}")
            if i >= WARMUP:
                samples[index].append(elapsed * 1000)
    return samples


def run() -> list[str]:
    with Devstack() as stack:
        import handlers.slack

        channel_id = stack.slack.add_channel("bench")  # the strict emulator knows only channels that were added
        bare = _bare_handler(stack)
        with lambdas.running_as("slack"):  # both handlers as the slack function (switched once, outside the timing)
            bare_samples, ours_samples = _time_pairs([bare, handlers.slack.handler], stack, channel_id)
    lines = ["P1 warm ack of signed `/perf help` via handlers.slack.handler vs bare Bolt app (same adapter)"]
    for p in (50, 99):
        ours, bare_p = percentile(ours_samples, p), percentile(bare_samples, p)
        ratio = ours / bare_p
        lines.append(
            f"   p{p}: perfbot {ours:.3f} ms, bare {bare_p:.3f} ms → {ratio:.2f}× (goal ≤ {GOAL}×, "
            f"{verdict(ratio, GOAL)})"
        )
    return lines
