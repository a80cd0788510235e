"""``SlackEmulator``: a local Slack Web API that the real ``slack_sdk.WebClient`` and Bolt talk to.

    with SlackEmulator() as emu:
        emu.add_channel("perf-alerts")
        client = WebClient(token="xoxb-perfbot-local", base_url=emu.api_url)
        client.chat_postMessage(channel="#perf-alerts", text="hi")
        assert emu.messages("#perf-alerts")[0].text == "hi"

It is as strict as Slack: the token has the manifest's scopes only, channels exist only once added, methods other
than posting want channel IDs, private conversations are invisible unless the bot is in them, tiers rate-limit, and
every refusal is logged (``refusals``). Runs a ``ThreadingHTTPServer`` in a daemon thread on 127.0.0.1; all state
lives in a lock-protected store, so tests, lazy listeners on other threads and benchmarks can use it at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any

from devstack.slack import scopes as scopes_module
from devstack.slack.models import Call, Channel, File, Message, Refusal, User
from devstack.slack.server import Dispatcher, SlackHTTPServer
from devstack.slack.socket_mode import SocketMode
from devstack.slack.store import SlackError, Store
from devstack.slack.transcript import TranscriptWriter

LOCAL_APP_TOKEN = "xapp-1-A0PERFBOT-1-perfbot-local"  # noqa: S105 — the emulator's app-level token, not a secret


class SlackEmulator:
    def __init__(
        self,
        port: int = 0,
        bot_token: str = "xoxb-perfbot-local",  # noqa: S107 - a fake token only this emulator accepts
        *,
        app_token: str = LOCAL_APP_TOKEN,
        host: str = "127.0.0.1",
        bot_name: str = "perfbot",
        team_name: str = "perfbot-dev",
        clock: Callable[[], float] = time.time,
        scopes: Iterable[str] | None = None,
        rate_clock: Callable[[], float] | None = None,
    ) -> None:
        """``app_token``: the app-level token (``xapp-``) that opens Socket Mode connections. ``scopes``: the bot
        token's scopes; ``None`` reads ``infra/slack-app-manifest.yml`` (oauth_config).
        ``rate_clock``: the time Slack's rate limits count in (a benchmark running in simulated time passes its
        clock, so a tier's per-minute allowance is per simulated minute); default: real time."""
        self.host = host
        self.port = port
        self.bot_token = bot_token
        self._store = Store(bot_token=bot_token, bot_name=bot_name, team_name=team_name, clock=clock)
        if rate_clock is not None:
            self._store.limiter.clock = rate_clock
        self._scopes = scopes_module.granted(scopes)
        self._store.granted = self._scopes
        self._dispatcher = Dispatcher(self._store, app_token)
        self.app_token = app_token
        self._server: SlackHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------
    def _bind(self) -> SlackHTTPServer:
        if self._server is None:
            self._server = SlackHTTPServer((self.host, self.port), self._dispatcher)
            self.port = self._server.server_address[1]
            self._store.base_url = f"http://{self.host}:{self.port}/"
        return self._server

    def start(self) -> SlackEmulator:
        server = self._bind()
        if self._thread is None:
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-emulator", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=5)
            self._server.server_close()
        self._server, self._thread = None, None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/`` (binds the port on first use, so it is known before ``start``)."""
        self._bind()
        return self._store.base_url

    @property
    def api_url(self) -> str:
        """What to pass as ``WebClient(base_url=…)`` or ``SLACK_API_URL``."""
        return f"{self.base_url}api/"

    @property
    def team_id(self) -> str:
        return self._store.team_id

    @property
    def bot_user_id(self) -> str:
        return self._store.bot_user_id

    @property
    def bot_id(self) -> str:
        return self._store.bot_id

    def reset(self) -> None:
        """Forget messages, files, views, rate-limit counts and settings, response URLs, calls, refusals and
        expected refusals, and restore the constructor's scopes; keep users, channels and memberships."""
        self._store.reset()
        self._dispatcher.responses.reset()
        with self._store.lock:
            self._store.granted = self._scopes

    # -- scopes --------------------------------------------------------------------------------------------
    @property
    def granted_scopes(self) -> frozenset[str]:
        """The bot token's scopes (the manifest's unless the constructor or ``set_scopes`` said otherwise)."""
        with self._store.lock:
            return self._store.granted

    def set_scopes(self, scopes: Iterable[str] | None) -> None:
        """Grant exactly ``scopes`` from now on (``None``: the manifest's again) until ``reset``."""
        with self._store.lock:
            self._store.granted = scopes_module.granted(scopes)

    def scopes_used(self, *, since_start: bool = False) -> set[str]:
        """Every scope the logged calls needed (refused ones included): per call the method's documented scope,
        the per-type scope for conversations.*, and ``chat:write.public`` for posting into a channel the bot is
        not in. Calls since the last ``reset``, or with ``since_start`` all calls this emulator ever answered
        (what a least-scopes test over a whole suite, reset between tests, compares with the manifest)."""
        with self._store.lock:
            if since_start:
                return set(self._store.scopes_ever)
            return {scope for call in self._store.call_log for scope in call.scopes}

    # -- directory -----------------------------------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str,
        is_admin: bool = False,
        *,
        email: str | None = None,
        tz: str = "UTC",
    ) -> User:
        user = User(user_id, name, real_name, is_admin=is_admin, email=email, tz=tz)
        self._store.add_user(user)
        return user

    def add_usergroup(self, usergroup_id: str, handle: str, users: list[str], name: str | None = None) -> None:
        """A user group (``S…``) for usergroups.users.list; perfbot authorizes approvers by group."""
        group = {"id": usergroup_id, "handle": handle, "name": name or handle, "users": list(users)}
        with self._store.lock:
            self._store.usergroups[usergroup_id] = group

    def add_channel(
        self, name: str, *, is_private: bool = False, bot_member: bool = True, members: Iterable[str] = ()
    ) -> str:
        """Create ``#name`` (the only way a channel comes to exist) and return its ID (``C`` + 10 characters).
        ``members``: the users in it; an empty list makes a public channel everyone's. Existing names are kept."""
        return self._store.add_channel(name, is_private=is_private, bot_member=bot_member, members=members)

    def add_dm(self, user_a: str, user_b: str) -> str:
        """A DM between two users (``D…``); the bot is not in it, so only their response_url reaches it."""
        return self._store.add_dm(user_a, user_b)

    def invite_bot(self, channel: str) -> None:
        """``/invite @perfbot`` in ``channel`` (a name or an ID)."""
        self._store.set_bot_member(self.channel_id(channel), True)

    def remove_bot(self, channel: str) -> None:
        """Remove the bot from ``channel`` (a name or an ID)."""
        self._store.set_bot_member(self.channel_id(channel), False)

    def channel_id(self, channel: str) -> str:
        """The ID of ``#name``, ``name``, an ID or a user ID (the bot's DM with them); nothing is created except
        that DM. Unknown names and IDs raise ``SlackError("channel_not_found")``."""
        return self._store.resolve_channel(channel)

    def user_name(self, user_id: str) -> str | None:
        """The handle of a workspace member (``alice``), ``None`` for an unknown ID."""
        return self._store.user_name(user_id)

    def users(self) -> list[User]:
        """The workspace's members (the bot included), in the order they were added."""
        with self._store.lock:
            return [replace(u) for u in self._store.users.values()]

    def conversations(self) -> list[Channel]:
        """Every channel and DM the workspace has (copies), in creation order."""
        with self._store.lock:
            return [replace(c, members=set(c.members)) for c in self._store.channels.values()]

    def channel_name(self, channel: str) -> str:
        """``perf-alerts`` for a channel (name or ID), the user's handle for a DM."""
        with self._store.lock:
            return self._store.channels[self.channel_id(channel)].name

    # -- what happened -------------------------------------------------------------------------------------
    def _lookup(self, channel: str) -> str:
        """Like ``channel_id`` but an id that was never created just has no messages (no exception)."""
        try:
            return self.channel_id(channel)
        except SlackError:
            return channel

    def messages(self, channel: str) -> list[Message]:
        """Top-level messages (and broadcast replies) in post order, in their latest state (copies)."""
        return self._store.messages(self._lookup(channel))

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        """Replies in the thread of ``thread_ts``, oldest first."""
        return self._store.replies(self._lookup(channel), thread_ts)

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[Message]:
        """Ephemeral messages, optionally only those in ``channel`` and/or for ``user``."""
        return self._store.ephemeral_messages(self._lookup(channel) if channel else None, user)

    def views(self) -> list[dict[str, Any]]:
        """Views opened (and updated/pushed) through views.*, as stored: with ``id``, ``title``, ``blocks``…"""
        with self._store.lock:
            return [dict(v) for v in self._store.views]

    def files(self) -> list[File]:
        """Files that were uploaded (bytes received), in upload order."""
        with self._store.lock:
            return [replace(f) for f in self._store.files.values() if f.uploaded]

    def trigger_id(self, user: str | None = None) -> str:
        """A trigger_id as Slack puts in a slash command or an interaction: valid for one views.open within 3 s.
        ``user``: whose click or command it comes with — the modal opened with it is theirs (``modal(user)``)."""
        store = self._store
        with store.lock:
            issued = store.clock()
            trigger = f"{int(issued)}.{store.next_id('')[-6:]}.{secrets.token_hex(16)}"
            store.triggers[trigger] = issued
            if user is not None:
                store.trigger_users[trigger] = user
            return trigger

    def modal(self, user: str) -> dict[str, Any] | None:
        """The modal Slack shows ``user`` now: the last view opened with a trigger issued for them
        (``trigger_id(user)``) that is still open, as stored (views.update included), or ``None``."""
        with self._store.lock:
            mine = [view_id for view_id, owner in self._store.open_modals.items() if owner == user]
            stored = {v["id"]: v for v in self._store.views}
            return dict(stored[mine[-1]]) if mine and mine[-1] in stored else None

    def close_modal(self, view_id: str) -> None:
        """The person submitted the modal (and the app did not answer ``response_action: errors``) or closed it:
        Slack takes it off their screen."""
        with self._store.lock:
            self._store.open_modals.pop(view_id, None)

    def home_view(self, user: str) -> dict[str, Any] | None:
        """The App Home view published (views.publish) for ``user``, or ``None``."""
        with self._store.lock:
            view = self._store.homes.get(user)
            return dict(view) if view else None

    def app_home_opened(self, user: str) -> dict[str, Any]:
        """The ``app_home_opened`` event Slack sends when ``user`` opens the app's Home tab (its ``view`` is the one
        published for them, if any); wrap it with ``slack_requests.event_callback_body`` to deliver it."""
        if user not in {u.id for u in self.users()}:
            raise SlackError("user_not_found")
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "channel": self._store.bot_dm(user).id,
            "tab": "home",
            "event_ts": self._store.new_ts(),
        }
        view = self.home_view(user)
        if view is not None:
            event["view"] = view
        return event

    @property
    def calls(self) -> Counter[str]:
        """API methods hit, including calls answered with an error or a 429 (a snapshot)."""
        with self._store.lock:
            return Counter(self._store.calls)

    @property
    def rate_limited(self) -> Counter[str]:
        """How many calls of each method were answered with HTTP 429."""
        with self._store.lock:
            return Counter(self._store.limited)

    @property
    def call_log(self) -> list[Call]:
        """``Call(method, time.monotonic(), channel or None, scopes)`` for every API request, in arrival order."""
        with self._store.lock:
            return list(self._store.call_log)

    # -- refusals ------------------------------------------------------------------------------------------
    @property
    def refusals(self) -> list[Refusal]:
        """Every refusal since the last ``reset`` (``ok: false``, 429, response_url and upload errors)."""
        with self._store.lock:
            return list(self._store.refusals)

    def expect_refusal(self, method: str | None = None, error: str | None = None) -> None:
        """Mark refusals of ``method`` with ``error`` (``None``: any) as provoked on purpose, until ``reset``."""
        with self._store.lock:
            self._store.expected.append((method, error))

    @property
    def unexpected_refusals(self) -> list[Refusal]:
        """The refusals no ``expect_refusal`` covers: what a "zero refusals" check asserts is empty."""
        return [r for r in self.refusals if not self._store.is_expected(r)]

    # -- steering ------------------------------------------------------------------------------------------
    def rate_limit(self, method: str, times: int, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 429 with ``Retry-After: retry_after`` (expected
        refusals: a scripted 429 is provoked on purpose)."""
        self.expect_refusal(method, "ratelimited")
        with self._store.lock:
            self._store.limiter.script(method, times, retry_after)

    def enforce_tiers(self, enabled: bool = True, per_minute: Mapping[str, int | None] | None = None) -> None:
        """Slack's per-method tiers (on by default: Tier 1/2/3/4 = 1/20/50/100 calls a minute per method and
        token); ``per_minute`` overrides a method's allowance (``None``: unlimited). ``reset`` restores them."""
        with self._store.lock:
            self._store.limiter.enforce_tiers(enabled, per_minute)

    def enforce_channel_rate(self, per_second: float | None = 1.0, burst: int = 5) -> None:
        """Refuse chat.postMessage/postEphemeral/file shares beyond ``per_second`` per channel (token bucket
        of ``burst``), as Slack does; ``per_second=None`` switches it off. Off by default; the burst size is
        an assumption, Slack documents only "short bursts"."""
        with self._store.lock:
            self._store.limiter.enforce_channel_rate(per_second, burst)

    def response_url(self, channel: str, user: str, message_ts: str | None = None) -> str:
        """A response_url for a slash-command or interaction payload from ``user`` in ``channel``.
        Pass ``message_ts`` when the interaction came from a message (``replace_original`` edits it)."""
        return self._dispatcher.responses.mint(self.channel_id(channel), user, message_ts)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01) -> bool:
        """Poll ``predicate`` until it holds or ``timeout`` passes; for lazy work running on other threads."""
        deadline = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    # -- Socket Mode ---------------------------------------------------------------------------------------
    @property
    def socket_mode(self) -> SocketMode:
        """The Socket Mode side: ``wait_connected()``, ``connected()``, ``slash_command(payload)`` and
        ``interactive(payload)`` deliver an envelope to the connected app and return its ack (``{}`` and a
        refusal when none came within 3 s)."""
        return self._dispatcher.socket_mode

    def render(self, message: Message, *, reply: bool = False) -> str:
        """One message as the transcript shows it (its current text, files, buttons such as ``[ Approve ]``)."""
        return TranscriptWriter(self._store).message(message, reply=reply)

    def transcript(self, channel: str | None = None) -> str:
        """Human-readable dump of one channel, or of every channel with messages."""
        return TranscriptWriter(self._store).render(channel)
