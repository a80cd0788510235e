"""The one place where alarms meet Slack: render (bot/slack/render/alarms.py) and send through the shared WebClient,
paced per channel. The pipeline only knows the :class:`Notifier` protocol, so tests can record decisions instead.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from bot.alarms.storm import ChannelPacer
from bot.alarms.views import DigestView, IncidentView, MaintenanceView, Note

logger = logging.getLogger(__name__)


class Notifier(Protocol):
    def post_incident(self, channel: str, view: IncidentView) -> str: ...
    def update_incident(self, channel: str, ts: str, view: IncidentView) -> None: ...
    def post_note(self, channel: str, thread_ts: str, note: Note, *, optional: bool = False) -> str: ...
    def upload_graph(self, channel: str, thread_ts: str, png: bytes, alarm_name: str) -> bool: ...
    def post_digest(self, channel: str, view: DigestView) -> str: ...
    def update_digest(self, channel: str, ts: str, view: DigestView) -> None: ...
    def post_maintenance(self, channel: str, view: MaintenanceView) -> str: ...


class SlackNotifier:
    """Posts and edits through slack_sdk (its RateLimitErrorRetryHandler retries 429s); ``pacer`` spaces the writes."""

    def __init__(self, client: Any, pacer: ChannelPacer) -> None:
        self.client = client
        self.pacer = pacer
        self._channel_ids: dict[str, str] = {}

    def _post(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None, *, optional: bool = False, **extra: Any
    ) -> str:
        """Post when the channel's pace allows; "" when an optional post was skipped (the channel is backlogged)."""
        if not self.pacer.wait(channel, optional=optional):
            return ""
        answer = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False, **extra)
        self._channel_ids[channel] = answer["channel"]  # chat.update needs the id, not "#name"
        return str(answer["ts"])

    def _update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        self.pacer.wait(f"update:{channel}")
        self.client.chat_update(channel=self._channel_ids.get(channel, channel), ts=ts, text=text, blocks=blocks)

    def post_incident(self, channel: str, view: IncidentView) -> str:
        from bot.slack.render.alarms import incident_message

        text, blocks = incident_message(view)
        return self._post(channel, text, blocks)

    def update_incident(self, channel: str, ts: str, view: IncidentView) -> None:
        from bot.slack.render.alarms import incident_message

        self._update(channel, ts, *incident_message(view))

    def post_note(self, channel: str, thread_ts: str, note: Note, *, optional: bool = False) -> str:
        from bot.slack.render.alarms import note_text

        return self._post(
            channel, note_text(note), None, optional=optional, thread_ts=thread_ts, reply_broadcast=note.broadcast
        )

    def upload_graph(self, channel: str, thread_ts: str, png: bytes, alarm_name: str) -> bool:
        """The graph goes into the thread unless the channel is backlogged (then the message stands alone)."""
        from bot.slack.render.alarms import graph_title

        if not self.pacer.wait(channel, optional=True):
            return False
        channel_id = self._channel_ids.get(channel) or self._resolve(channel)
        self.client.files_upload_v2(
            channel=channel_id,
            thread_ts=thread_ts,
            content=png,
            filename="alarm-graph.png",
            title=graph_title(alarm_name),
            alt_txt=graph_title(alarm_name),
        )
        return True

    def post_digest(self, channel: str, view: DigestView) -> str:
        from bot.slack.render.alarms import digest_message

        text, blocks = digest_message(view)
        return self._post(channel, text, blocks)

    def update_digest(self, channel: str, ts: str, view: DigestView) -> None:
        from bot.slack.render.alarms import digest_message

        self._update(channel, ts, *digest_message(view))

    def post_maintenance(self, channel: str, view: MaintenanceView) -> str:
        from bot.slack.render.alarms import maintenance_message

        text, blocks = maintenance_message(view)
        return self._post(channel, text, blocks)

    def _resolve(self, channel: str) -> str:
        """files_upload_v2 wants a channel id; a "#name" from config is looked up once."""
        if not channel.startswith("#"):
            return channel
        name = channel[1:]
        for page in self.client.conversations_list(types="public_channel,private_channel", limit=200):
            for found in page.get("channels", []):
                if found.get("name") == name:
                    self._channel_ids[channel] = found["id"]
                    return str(found["id"])
        raise LookupError(f"channel {channel} not found (is perfbot invited?)")
