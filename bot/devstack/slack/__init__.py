"""A Slack Web API emulator that the real ``slack_sdk.WebClient`` (and Bolt) talk to — for tests, the demo and
benchmarks. Quick reference (details in ``emulator.SlackEmulator``)::

    emu = SlackEmulator(port=0, bot_token="xoxb-perfbot-local").start()   # or: with SlackEmulator() as emu
    WebClient(token="xoxb-perfbot-local", base_url=emu.api_url)
    emu.messages("#perf-alerts") / emu.replies(ch, ts) / emu.ephemerals(ch, user) / emu.views() / emu.files()
    emu.calls / emu.call_log / emu.rate_limited
    emu.rate_limit("chat.postMessage", times=1, retry_after=1) / emu.enforce_channel_rate(1, burst=5)
    emu.response_url(ch, user, message_ts=None) / emu.wait_for(pred) / emu.transcript() / emu.reset()
"""

from __future__ import annotations

from bot.devstack.slack.emulator import SlackEmulator
from bot.devstack.slack.models import Call, File, Message, User
from bot.devstack.slack.store import SlackError

__all__ = ["Call", "File", "Message", "SlackEmulator", "SlackError", "User"]
