"""Alarms → Slack: :class:`SlackAlarmNotifier` renders (``bot.slack.render.alarms``) and sends through the shared
WebClient, paced per channel; :func:`alarm_pipeline` is the pipeline the alarm handler, the buttons and the
``escalate`` task run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.schedule import TaskResult, task
from bot.slack.post_once import post_once

if TYPE_CHECKING:
    from bot.alarms.notifier import AlarmNotifier
    from bot.alarms.pipeline import AlarmPipeline
    from bot.alarms.storm import ChannelPacer
    from bot.alarms.views import DigestView, IncidentView, MaintenanceView, Note
    from bot.settings import Settings

logger = logging.getLogger(__name__)
INCIDENT_EVENT = "perfbot_incident"  # message metadata: event_payload.id is "<alarm name>@<opened at>"
DIGEST_EVENT = "perfbot_storm_digest"


class SlackAlarmNotifier:
    """Posts and edits through slack_sdk (its RateLimitErrorRetryHandler retries 429s); ``pacer`` spaces the writes.

    Every method takes a channel ID (``channel_id`` turns a configured ``#name`` into one, once per container): Slack's
    chat.update and file uploads refuse names, and an incident handled by another container knows only the stored ID.
    """

    def __init__(self, client: Any, pacer: ChannelPacer) -> None:
        from bot.slack.channels import channel_directory

        self.client = client
        self.pacer = pacer
        self.directory = channel_directory(client)
        self._told_to_invite: set[str] = set()

    def channel_id(self, channel: str) -> str:
        return self.directory.channel_id(channel)

    def _post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        optional: bool = False,
        once: tuple[str, str] | None = None,
        **extra: Any,
    ) -> str:
        """Post when the channel's pace allows; "" when an optional post was skipped (the channel is backlogged).
        ``once``: (event type, key) — posted at most once even when Slack's answer is lost (``bot.slack.post_once``)."""
        channel = self.channel_id(channel)  # an ID passes as it is; a name stored by an older version is resolved
        if not self.pacer.wait(channel, optional=optional):
            return ""
        if once is not None:
            event_type, key = once
            posted = post_once(
                self.client,
                channel=channel,
                event_type=event_type,
                key=key,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                **extra,
            )
            return posted.ts
        answer = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False, **extra)
        return str(answer["ts"])

    def _update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        channel = self.channel_id(channel)
        self.pacer.wait(f"update:{channel}")
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)

    def post_incident(self, channel: str, view: IncidentView) -> str:
        from bot.slack.render.alarms import incident_message

        text, blocks = incident_message(view)
        incident = view.incident
        return self._post(channel, text, blocks, once=(INCIDENT_EVENT, f"{incident.alarm_name}@{incident.opened_at}"))

    def update_incident(self, channel: str, ts: str, view: IncidentView) -> None:
        from bot.slack.render.alarms import incident_message

        self._update(channel, ts, *incident_message(view))

    def post_note(self, channel: str, thread_ts: str, note: Note, *, optional: bool = False) -> str:
        from bot.slack.render.alarms import note_text

        return self._post(
            channel, note_text(note), None, optional=optional, thread_ts=thread_ts, reply_broadcast=note.broadcast
        )

    def upload_graph(self, channel: str, thread_ts: str, png: bytes, alarm_name: str) -> bool:
        """The graph goes into the thread unless the channel is backlogged (then the message stands alone).

        Sharing a file needs membership even where chat:write.public lets perfbot post: in a channel perfbot was not
        invited to, a thread says so (once per channel and container) instead of failing the notification."""
        from slack_sdk.errors import SlackApiError

        from bot.slack.messages import graph_needs_invite
        from bot.slack.render.alarms import graph_title

        channel = self.channel_id(channel)
        if not self.pacer.wait(channel, optional=True):
            return False
        try:
            self._upload(channel, thread_ts, png, graph_title(alarm_name))
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel":
                raise
            logger.warning("alarm_graph_not_in_channel", extra={"channel": channel})
            if channel not in self._told_to_invite and self.pacer.wait(channel, optional=True):
                self._told_to_invite.add(channel)
                self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=graph_needs_invite())
            return False
        return True

    def _upload(self, channel: str, thread_ts: str, png: bytes, title: str) -> None:
        self.client.files_upload_v2(
            channel=channel,
            thread_ts=thread_ts,
            content=png,
            filename="alarm-graph.png",
            title=title,
            alt_txt=title,
        )

    def post_digest(self, channel: str, view: DigestView) -> str:
        from bot.slack.render.alarms import digest_message

        text, blocks = digest_message(view)
        return self._post(channel, text, blocks, once=(DIGEST_EVENT, f"{view.channel}@{view.started_at}"))

    def update_digest(self, channel: str, ts: str, view: DigestView) -> None:
        from bot.slack.render.alarms import digest_message

        self._update(channel, ts, *digest_message(view))

    def post_maintenance(self, channel: str, view: MaintenanceView) -> str:
        from bot.slack.render.alarms import maintenance_message

        text, blocks = maintenance_message(view)
        return self._post(channel, text, blocks)


def alarm_notifier(settings: Settings) -> AlarmNotifier:
    """The Slack notifier for the configured workspace, kept per process (its pacer spans warm invocations)."""
    from bot.alarms import service
    from bot.slack.app import slack_client

    client = slack_client()
    key = (str(client.base_url), str(client.token), settings.alarms.post_interval_s)
    return service.notifier(key, lambda pacer: SlackAlarmNotifier(client, pacer), settings)


def alarm_pipeline(settings: Settings | None = None) -> AlarmPipeline:
    """The alarm pipeline posting to Slack: what the alarm handler, the alarm buttons and ``escalate`` run."""
    from bot.alarms.service import build_pipeline
    from bot.settings import get_settings

    settings = settings or get_settings()
    return build_pipeline(settings, notify=alarm_notifier(settings))


@task("escalate")
def escalate(event: dict[str, Any]) -> TaskResult:
    """Every minute: unacknowledged ALARMs, expired maintenance windows."""
    from bot.alarms.escalation import escalate_due

    return escalate_due(alarm_pipeline())
