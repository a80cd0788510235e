"""`/perf analyze [kind] [service]` and the Analyze button on alarm messages (answers in the alarm's thread).

Ack path rule: only stdlib, Bolt and bot.slack.commands at module level; analysis, settings and AWS are imported
inside the lazy functions.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltRequest, Respond
from slack_sdk import WebClient

from bot.slack import messages
from bot.slack.commands import Invocation, Reply, UsageError, subcommand
from bot.slack.errors import guarded
from bot.slack.listeners.acks import ack_at_once

logger = logging.getLogger(__name__)

ANALYZE_ALARM_ACTION = "analyze_alarm"


def parse_analyze_args(args: list[str], kinds: tuple[str, ...], services: list[str]) -> tuple[str | None, str | None]:
    """(kind, service) from the words after `/perf analyze`, in any order; a kind by name or by one of its words."""
    from bot.analysis.groups import GROUPS
    from bot.changes.kinds import kind_words

    words = kind_words() | {group: group for group in GROUPS}
    kind: str | None = None
    service: str | None = None
    for word in args:
        lowered = word.lower()
        if lowered in kinds or lowered in words:
            if kind is not None:
                raise UsageError("Give at most one kind.")
            kind = words.get(lowered, lowered)
        elif word in services:
            if service is not None:
                raise UsageError("Give at most one service.")
            service = word
        else:
            raise UsageError(
                f"`{word}` is neither a kind ({', '.join(sorted(words))}) nor a service "
                f"({', '.join(services) or 'none configured'})."
            )
    return kind, service


@subcommand(
    "analyze",
    usage="/perf analyze [kind | lambda | dynamodb | apigw | cost | performance] [service]",
    summary="tuning recommendations from the last 24 h, for every kind or one (e.g. `/perf analyze memory`), each "
    "checked by perfbot's guardrails",
)
def analyze_command(inv: Invocation) -> Reply:
    from bot.analysis.analyzer import analyze
    from bot.changes.authorize import cards_channel
    from bot.changes.kinds import kind_names
    from bot.settings import get_settings
    from bot.slack.app import slack_client
    from bot.slack.channels import channel_directory
    from bot.slack.delivery.analysis import publish_recommendations
    from bot.slack.messages import cards_posted_elsewhere
    from bot.slack.render.analysis import summary_blocks, summary_text
    from bot.slack.render.kit import context, fit

    settings = get_settings()
    kind, service = parse_analyze_args(inv.args, kind_names(), settings.service_names)
    # cards go where perfbot can post them and approvers can decide them: here, or else the digest channel
    channel = cards_channel(inv.channel_id if inv.postable else "", settings, channel_directory(slack_client()))
    blocks: list[dict[str, Any]] = []
    texts = []
    for name in [service] if service else settings.service_names:
        result = analyze(name, kind)
        published = publish_recommendations(result, channel=channel, requester_id=inv.user_id)
        blocks += summary_blocks(result)
        if published.already_open:
            blocks.append(context(*published.already_open))
        texts.append(summary_text(result))
    if not texts:
        raise UsageError("No services are configured in perfbot.yml.")
    if channel != inv.channel_id:
        blocks.append(context(cards_posted_elsewhere(channel, member=inv.postable)))
    return Reply(text=" · ".join(texts), blocks=fit(blocks))


def _where(body: dict[str, Any]) -> tuple[str, str]:
    """The channel and the alarm message's thread of the click."""
    message = body.get("message") or {}
    container = body.get("container") or {}
    channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
    ts = str(message.get("thread_ts") or message.get("ts") or container.get("message_ts") or "")
    return channel, ts


def analyze_alarm(body: dict[str, Any], client: WebClient, request: BoltRequest, respond: Respond) -> None:
    """Lazy: analyse the alarm's service, with the alarm's text as untrusted context, in the alarm's thread."""
    if request.headers.get("x-slack-retry-num"):
        return  # Slack re-sent a click we already acknowledged: the first delivery is doing the work
    from bot.analysis.alarm_context import alarm_context
    from bot.analysis.analyzer import analyze
    from bot.settings import get_settings
    from bot.slack.delivery.analysis import publish_analysis

    alarm_name = str(((body.get("actions") or [{}])[0]).get("value") or "")
    user = str((body.get("user") or {}).get("id") or "")
    channel, thread_ts = _where(body)
    settings = get_settings()
    context = alarm_context(settings, alarm_name)
    if context.thread:
        channel, thread_ts = context.thread
    result = analyze(context.service, context_text=context.text)
    if alarm_name:
        result = result.model_copy(update={"notes": [f"Requested from alarm {alarm_name}", *result.notes]})
    if context.focus:  # e.g. Predictive-Scaling-Trigger: its scheduled scaling first, or why there is none
        first = sorted(result.recommendations, key=lambda rec: rec.kind != context.focus)
        notes = list(result.notes)
        if not any(rec.kind == context.focus for rec in first):
            notes.insert(1, messages.predictive_without_schedule(alarm_name))
        result = result.model_copy(update={"recommendations": first, "notes": notes})
    publish_analysis(result, channel=channel, thread_ts=thread_ts or None, requester_id=user, client=client)


def register(app: App) -> None:
    app.action(ANALYZE_ALARM_ACTION)(ack=ack_at_once, lazy=[guarded(analyze_alarm)])
