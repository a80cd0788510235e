"""Which conversation a call acts on, whether the bot may see it, and whether it may post there.

Slack's rules, per method (``RULES``):

- only chat.postMessage / chat.postEphemeral take a ``#name``, a ``name`` or a user ID (the bot's DM with that user);
  every other method wants the conversation **ID** and answers ``channel_not_found`` to a name.
  files.completeUploadExternal checks ``channel_id`` against ``^[CGDZ][A-Z0-9]{8,}$`` first (``invalid_arguments``);
- a private channel, a DM or a group DM the bot is not in does not exist for it: ``channel_not_found``;
- posting or editing in a public channel the bot has not joined needs ``chat:write.public``, else ``not_in_channel``;
- files.completeUploadExternal and conversations.history/replies need real membership even then (``not_in_channel``).

The response_url path never comes here: Slack lets an app answer through it wherever it was invoked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from devstack.slack import scopes
from devstack.slack.models import Channel
from devstack.slack.store import SlackError, Store

ID_PATTERN = r"^[CGDZ][A-Z0-9]{8,}$"  # what Slack's schema says for channel_id (files.completeUploadExternal)
CHANNEL_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class Rule:
    arg: str = "channel"
    names: bool = False  # accepts #name / name / user ID (posting only)
    required: bool = True
    write: bool = False  # posting/editing: public channels need membership or chat:write.public
    joined: bool = False  # needs membership even in a public channel
    schema: bool = False  # an ID-shaped check first, answered with invalid_arguments


RULES: dict[str, Rule] = {
    "chat.postMessage": Rule(names=True, write=True),
    "chat.postEphemeral": Rule(names=True, write=True),
    "chat.update": Rule(write=True),
    "chat.delete": Rule(write=True),
    "chat.getPermalink": Rule(),
    "conversations.info": Rule(),
    "conversations.history": Rule(joined=True),
    "conversations.replies": Rule(joined=True),
    "reactions.add": Rule(),
    "reactions.remove": Rule(required=False),
    "files.completeUploadExternal": Rule(arg="channel_id", required=False, joined=True, schema=True),
}


@dataclass
class Access:
    """The outcome of the checks: the arguments with the channel replaced by its ID, the scopes the call needed,
    and the refusal (if any) that the dispatcher answers instead of calling the handler."""

    args: dict[str, Any]
    channel: Channel | None = None
    raw_channel: str | None = None
    scopes: frozenset[str] = frozenset()
    error: SlackError | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _channel_arg(rule: Rule, args: dict[str, Any]) -> Any:
    value = args.get(rule.arg)
    if value in (None, "") and rule.arg == "channel_id" and args.get("channels"):
        value = str(args["channels"]).split(",")[0].strip()  # the v2 upload's older spelling
    return value.strip() if isinstance(value, str) else value


def target(store: Store, rule: Rule, value: Any) -> Channel | None:
    """The conversation ``value`` names for this rule; raises Slack's error when there is none the bot can see."""
    if value in (None, ""):
        if rule.required:
            raise SlackError("channel_not_found")
        return None
    if not isinstance(value, str):
        raise SlackError("channel_not_found")
    if rule.schema and not CHANNEL_ID.match(value):
        message = f"[ERROR] input must match regex pattern: {ID_PATTERN} [json-pointer:/{rule.arg}]"
        raise SlackError("invalid_arguments", [message])
    channel = store.conversation(value, names=rule.names)
    if channel is None or not (channel.bot_member or channel.kind == "public_channel"):
        raise SlackError("channel_not_found")  # private conversations the bot is not in are invisible to it
    return channel


def _membership_error(rule: Rule, channel: Channel, granted: frozenset[str]) -> SlackError | None:
    if channel.bot_member:
        return None
    if rule.joined or (rule.write and scopes.PUBLIC_POSTING not in granted):
        return SlackError("not_in_channel")
    return None


def check(store: Store, granted: frozenset[str], method: str, args: dict[str, Any]) -> Access:
    """Resolve the channel, then check scopes and membership; never raises (the refusal is in ``error``)."""
    rule = RULES.get(method)
    access = Access(args=args)
    failure: SlackError | None = None
    if rule is not None:
        value = _channel_arg(rule, args)
        access.raw_channel = value if isinstance(value, str) else None
        try:
            access.channel = target(store, rule, value)
        except SlackError as exc:
            failure = exc
    channel = access.channel
    requirements = scopes.required(method, args, channel)
    needed = scopes.missing(requirements, granted)
    if rule is not None and rule.write and channel is not None and not channel.bot_member:
        requirements = [*requirements, (scopes.PUBLIC_POSTING,)]  # missing it is not_in_channel, not missing_scope
    access.scopes = scopes.used(requirements, granted)
    if needed is not None:
        access.error = SlackError("missing_scope")
        access.extra = {"needed": needed, "provided": ",".join(sorted(granted))}
    elif failure is not None:
        access.error = failure
    elif rule is not None and channel is not None:
        access.error = _membership_error(rule, channel, granted)
    if rule is not None and channel is not None:
        access.args = {**args, rule.arg: channel.id}
    return access
