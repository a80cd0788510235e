"""`/perf` — ack at once, answer help/usage in the ack, run everything else in a lazy listener."""

from __future__ import annotations

import dataclasses
import functools
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import commands, messages
from bot.slack.errors import guarded, tell_unexpected
from bot.slack.listeners.acks import ack_at_once
from bot.slack.render import help as help_render

logger = logging.getLogger(__name__)

SYNC = {"help"}
# What chat.postMessage answers where perfbot may not post: a private channel or a DM it is not part of
# (channel_not_found: Slack hides them from non-members), a public channel without chat:write.public (not_in_channel).
CANNOT_POST = {"channel_not_found", "not_in_channel"}


@commands.subcommand("help", usage="/perf help", summary="what perfbot can do (this list)", visibility="ephemeral")
def show_help(_: commands.Invocation) -> commands.Reply:
    return _help_reply()


@functools.lru_cache(maxsize=4)
def _rendered_help(names: tuple[str, ...]) -> commands.Reply:
    available = commands.registered()
    return commands.Reply(text=help_render.help_text(available), blocks=help_render.help_blocks(available))


def _help_reply() -> commands.Reply:
    """Help is the same for every caller until a subcommand registers; render it once (the ack path is benched)."""
    return _rendered_help(tuple(c.name for c in commands.registered()))


def answered_in_ack(body: dict[str, Any]) -> bool:
    """Help and unknown subcommands are answered in the ack itself — no lazy work, no AWS."""
    name = commands.subcommand_name(body)
    return name in SYNC or commands.lookup(name) is None


def needs_lazy_work(body: dict[str, Any]) -> bool:
    return not answered_in_ack(body)


def answer_in_ack(ack: Ack, body: dict[str, Any]) -> None:
    name = commands.subcommand_name(body)
    if name in SYNC:
        reply = _help_reply()
        ack(text=reply.text, blocks=reply.blocks)
    else:
        text = messages.unknown_subcommand(name, [c.name for c in commands.registered()])
        ack(text=text, response_type="ephemeral")


def run_perf(body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """Lazy: validate, show "working…", run the subcommand, replace the placeholder with the answer."""
    invocation = commands.parse(body)
    command = commands.lookup(invocation.name)
    if command is None or invocation.name in SYNC:
        return
    placeholder_ts: str | None = None
    try:
        if command.visibility == "in_channel":
            placeholder_ts = _placeholder(client, invocation, command)
            if placeholder_ts is None:
                invocation = dataclasses.replace(invocation, postable=False)
        if not invocation.postable:
            respond(text=messages.answering_via_reply_link(command.name), response_type="ephemeral")
        elif placeholder_ts is None:
            respond(text=messages.working(command.name), response_type="ephemeral")
        reply = command.run(invocation)
    except commands.UsageError as problem:
        _withdraw(client, invocation, placeholder_ts)
        respond(
            text=messages.usage(str(problem), command.usage),
            response_type="ephemeral",
            replace_original=True,
        )
        return
    except Exception as error:  # the placeholder must not say "Working…" forever: it becomes the failure answer
        tell_unexpected(None, error, f"/perf {command.name}")
        reply = commands.Reply(text=messages.unexpected_failure())
    _deliver(client, respond, invocation, command, reply, placeholder_ts)


def _placeholder(client: WebClient, invocation: commands.Invocation, command: commands.Subcommand) -> str | None:
    """Post "working…" in the conversation; None where perfbot may not post there."""
    try:
        posted = client.chat_postMessage(channel=invocation.channel_id, text=messages.working(command.name))
    except SlackApiError as exc:
        if exc.response.get("error") not in CANNOT_POST:
            raise
        logger.info("perf_answer_via_response_url", extra={"subcommand": command.name, "error": exc.response["error"]})
        return None
    return str(posted["ts"])


def _withdraw(client: WebClient, invocation: commands.Invocation, placeholder_ts: str | None) -> None:
    if placeholder_ts:
        client.chat_delete(channel=invocation.channel_id, ts=placeholder_ts)


def _deliver(
    client: WebClient,
    respond: Respond,
    invocation: commands.Invocation,
    command: commands.Subcommand,
    reply: commands.Reply,
    placeholder_ts: str | None,
) -> None:
    if placeholder_ts:
        client.chat_update(channel=invocation.channel_id, ts=placeholder_ts, text=reply.text, blocks=reply.blocks)
        for attachment in reply.files:
            client.files_upload_v2(
                channel=invocation.channel_id,
                thread_ts=placeholder_ts,
                content=attachment.content,
                filename=attachment.filename,
                title=attachment.title,
            )
    elif not invocation.postable:  # response_url needs no membership; in_channel keeps the answer visible to all
        respond(text=reply.text, blocks=reply.blocks, response_type="in_channel", replace_original=False)
        if reply.files:
            respond(text=messages.files_left_out(len(reply.files)), response_type="ephemeral")
    else:
        respond(text=reply.text, blocks=reply.blocks, response_type="ephemeral", replace_original=True)


def register(app: App) -> None:
    app.command("/perf", matchers=[answered_in_ack])(answer_in_ack)
    app.command("/perf", matchers=[needs_lazy_work])(ack=ack_at_once, lazy=[guarded(run_perf)])
