"""Who may decide on a proposal, and where: code-enforced, whatever the card looked like.

Rules: the clicker is an approver (a configured user id or a member of a configured Slack user group); the click
comes from an allowed channel (``approvers.channels``, default the alarm and digest channels — compared by channel ID,
so a renamed channel or a look-alike name cannot pass); a high-risk change
needs an approver other than its requester (and the card shows a confirm dialog); expired or unknown proposals
cannot be approved. Every refusal is explained to the clicker and recorded in the audit log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.changes.models import Proposal
from bot.settings import Settings

logger = logging.getLogger(__name__)

Reason = Literal["unknown", "expired", "not_approver", "wrong_channel", "own_high_risk"]
MembersOf = Callable[[str], list[str]]
GROUP_CACHE_S = 60.0  # user-group membership changes rarely; one lookup a minute per container is plenty


@dataclass(frozen=True)
class Click:
    """One button click: who, where, and Slack's identifiers for the audit trail."""

    user: str
    channel_id: str
    channel_name: str = ""
    slack_ids: dict[str, str] = field(default_factory=dict)


class ChannelIds(Protocol):
    def channel_id(self, channel: str) -> str:
        """The ID of a configured channel (``#name`` or an ID); LookupError when Slack does not show it."""


class Directory(ChannelIds, Protocol):
    """What authorization asks Slack: who is in an approver user group, and which ID a configured channel has."""

    def members_of(self, group: str) -> list[str]: ...


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    message: str


UNKNOWN = Refusal("unknown", "This proposal does not exist (any more). Nothing was changed.")


def approval_channels(settings: Settings) -> list[str]:
    """``approvers.channels`` when set; else the alarm and digest channels."""
    return list(settings.approvers.channels) or [settings.slack.alarm_channel, settings.slack.digest_channel]


def approval_channel_ids(settings: Settings, directory: ChannelIds) -> set[str]:
    """The IDs of the approval channels; a configured name Slack does not know allows nothing (and is logged)."""
    ids = set()
    for channel in approval_channels(settings):
        try:
            ids.add(directory.channel_id(channel))
        except LookupError as exc:
            logger.warning("approval_channel_not_found", extra={"channel": channel, "error": str(exc)})
    return ids


def is_approver(user: str, settings: Settings, directory: Directory) -> bool:
    if user in settings.approvers.users:
        return True
    return any(user in directory.members_of(group) for group in settings.approvers.usergroups)


def authorize(proposal: Proposal | None, click: Click, settings: Settings, directory: Directory) -> Refusal | None:
    """None when ``click.user`` may approve ``proposal`` from ``click.channel_id``; otherwise why not."""
    if proposal is None:
        return UNKNOWN
    if proposal.expired:
        return Refusal("expired", "This proposal has expired. Run the analysis again for a fresh one.")
    refusal = authorize_decider(proposal, click, settings, directory)
    if refusal is not None:
        return refusal
    if proposal.risk == "high" and click.user == proposal.requester:
        return Refusal(
            "own_high_risk",
            "This is a high-risk change you requested yourself; another approver has to approve it.",
        )
    return None


def authorize_decider(proposal: Proposal, click: Click, settings: Settings, directory: Directory) -> Refusal | None:
    """The rules that apply to any decision (approve, reject, undo): an approver, in an approval channel."""
    if not is_approver(click.user, settings, directory):
        return Refusal("not_approver", "Only perfbot's configured approvers can decide on changes.")
    return where_refusal(proposal, click, settings, directory)


def where_refusal(proposal: Proposal, click: Click, settings: Settings, directory: ChannelIds) -> Refusal | None:
    """None when the click comes from an approval channel."""
    if click.channel_id not in approval_channel_ids(settings, directory):
        return Refusal("wrong_channel", f"Changes can only be approved in {', '.join(approval_channels(settings))}.")
    return None


class CachedGroupMembers:
    """``members_of`` backed by Slack's usergroups.users.list, cached per group for a minute."""

    def __init__(self, fetch: MembersOf, ttl_s: float = GROUP_CACHE_S) -> None:
        self._fetch = fetch
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, list[str]]] = {}
        self._lock = threading.Lock()

    def __call__(self, group: str) -> list[str]:
        with self._lock:
            hit = self._cache.get(group)
            if hit and time.monotonic() - hit[0] < self._ttl_s:
                return hit[1]
        members = self._fetch(group)
        with self._lock:
            self._cache[group] = (time.monotonic(), members)
        return members
