"""The one ack every deferred listener uses: answer Slack at once, with nothing; the lazy listener does the work."""

from __future__ import annotations

from slack_bolt import Ack


def ack_at_once(ack: Ack) -> None:
    ack()
