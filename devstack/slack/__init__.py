"""A Slack Web API emulator that the real ``slack_sdk.WebClient`` (and Bolt) talk to — for tests, the demo and
benchmarks — as strict as Slack. Quick reference (details in ``emulator.SlackEmulator``)::

    emu = SlackEmulator(port=0, bot_token="xoxb-perfbot-local").start()   # or: with SlackEmulator() as emu
    WebClient(token="xoxb-perfbot-local", base_url=emu.api_url)

    # the workspace: channels exist only once added; posting to an unknown name is channel_not_found
    emu.add_channel("perf-alerts", is_private=False, bot_member=True, members=()) -> "C…"
    emu.add_dm("U0ALICE001", "U0BOB00001") -> "D…"     # a users' DM the bot is not in
    emu.invite_bot(ch) / emu.remove_bot(ch) / emu.channel_id("#perf-alerts") / emu.add_user(…) / emu.add_usergroup(…)

    # scopes: the manifest's oauth_config.scopes.bot unless SlackEmulator(scopes=[…]) / emu.set_scopes([…])
    emu.granted_scopes / emu.scopes_used(since_start=False)   # scopes.METHOD_SCOPES: each method's scopes

    # what happened
    emu.messages("#perf-alerts") / emu.replies(ch, ts) / emu.ephemerals(ch, user) / emu.views() / emu.files()
    emu.home_view(user) / emu.app_home_opened(user) -> the event / emu.trigger_id(user=None) (3 s, one views.open)
    emu.modal(user) -> the view views.open showed them, until emu.close_modal(view_id) (submitted or closed)
    emu.users() / emu.conversations() / emu.user_name(id) / emu.channel_name(ch) / emu.render(message)
    emu.calls / emu.call_log (Call(method, at, channel, scopes)) / emu.rate_limited / emu.transcript()

    # refusals: every ok=false, 429, response_url or upload error, as Refusal(method, error, channel, detail)
    emu.refusals / emu.unexpected_refusals / emu.expect_refusal(method=None, error=None)

    # steering
    emu.rate_limit("chat.postMessage", times=1, retry_after=1)     # scripted 429s
    emu.enforce_tiers(True, per_minute={"conversations.list": None}) / emu.enforce_channel_rate(1, burst=5)
    emu.response_url(ch, user, message_ts=None) / emu.wait_for(pred) / emu.reset()

    # Socket Mode (socket_mode.py): apps.connections.open with emu.app_token (xapp-) → ws://…/link/?ticket=…
    emu.socket_mode.wait_connected() / .slash_command(payload) / .interactive(payload) -> the app's ack

Rules (see ``membership``, ``scopes``, ``ratelimit``, ``validation``): only chat.postMessage/postEphemeral take a
channel name (or a user ID: the bot's DM); other methods refuse names with ``channel_not_found``; private channels
and DMs the bot is not in are ``channel_not_found``; posting into a public channel the bot has not joined needs
``chat:write.public`` (``not_in_channel``), files.completeUploadExternal and conversations.history need membership;
a missing scope answers ``missing_scope`` with ``needed`` and ``provided``; tiers answer 429 with ``Retry-After``;
blocks are checked by hand and with slack_sdk's block models. response_url needs no scope and no membership.
``reset()`` (between tests) clears messages, counts, refusals and expectations and restores tiers and scopes.
"""

from __future__ import annotations

from devstack.slack.emulator import SlackEmulator
from devstack.slack.models import Call, File, Message, Refusal, User
from devstack.slack.store import SlackError

__all__ = ["Call", "File", "Message", "Refusal", "SlackEmulator", "SlackError", "User"]
