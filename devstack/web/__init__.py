"""The local web channel: what the Slack emulator holds, rendered the way Slack shows it, with working buttons and a
``/perf`` box that send signed requests into ``handlers.slack.handler`` — ``python -m bot devstack`` and
``python -m bot demo --serve`` serve it (``WEB_URL=``)."""

from __future__ import annotations

from devstack.web.server import WebChannel, add_people, create_app

__all__ = ["WebChannel", "add_people", "create_app"]
