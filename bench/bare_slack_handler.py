"""P2's baseline: the smallest Slack app on Lambda — a Bolt app with one slash command behind Bolt's Lambda adapter.

Imported exactly as ``handlers.slack`` is (a module the Lambda runtime imports), so the ratio is perfbot's own cold
start on top of any Bolt-on-Lambda app, not the cost of where the import happens.
"""

from __future__ import annotations

import os
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.aws_lambda import SlackRequestHandler

app = App(
    name="bare",  # as perfbot names its app: spares Bolt an inspect.stack() walk, so neither side pays for it
    token=os.environ["SLACK_BOT_TOKEN"],
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    process_before_response=True,
    token_verification_enabled=False,
)


@app.command("/perf")
def perf(ack: Ack) -> None:
    ack(text="perfbot")


_adapter = SlackRequestHandler(app)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return dict(_adapter.handle(event, context))
