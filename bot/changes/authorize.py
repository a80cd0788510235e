"""Who may decide on a proposal, and where: code-enforced, whatever the card looked like.

Who: the clicker is an approver (a configured user id or a member of a configured Slack user group); a high-risk
change needs an approver other than its requester and a reason (its Approve opens a modal; a plain Approve request is
refused, ``REASON_REQUIRED``), and one that perfbot asked for itself (its schedule, auto-revert) two approvers, since no
person asked for it; expired or unknown proposals cannot be approved. A requester may withdraw (reject) their own
proposal.

Where — a card is decided where it was posted: a click counts when it comes from the channel the card was posted in
(the proposal stores that channel's ID) and that channel is an approval channel. The approval channels are
``approvers.channels`` when set — an explicit allow-list — and otherwise every channel perfbot posts approvable cards
to by configuration: ``slack.alarm_channel``, ``slack.digest_channel`` and each ``slack.routes`` channel (cards follow
an alarm into its routed channel and thread). Channels are compared by ID, so a renamed channel or a look-alike name
cannot pass. Every refusal is explained to the clicker and recorded in the audit log.
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

Reason = Literal[
    "unknown", "expired", "not_approver", "wrong_channel", "own_high_risk", "second_approver", "reason_required"
]
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
REASON_REQUIRED = Refusal(
    "reason_required",
    "This change is high-risk: approving it asks for a reason, kept in the audit log. The card has been redrawn; "
    "click its Approve button to give one. Nothing was changed.",
)


def approval_channels(settings: Settings) -> list[str]:
    """``approvers.channels`` when set; else the channels perfbot posts cards to: alarm, digest and routed channels."""
    if settings.approvers.channels:
        return list(settings.approvers.channels)
    configured = [
        settings.slack.alarm_channel,
        settings.slack.digest_channel,
        *(r.channel for r in settings.slack.routes),
    ]
    return list(dict.fromkeys(configured))


def approval_channel_ids(settings: Settings, directory: ChannelIds) -> set[str]:
    """The IDs of the approval channels; a configured name Slack does not know allows nothing (and is logged)."""
    ids = set()
    for channel in approval_channels(settings):
        try:
            ids.add(directory.channel_id(channel))
        except LookupError as exc:
            logger.warning("approval_channel_not_found", extra={"channel": channel, "error": str(exc)})
    return ids


def cards_channel(here: str, settings: Settings, directory: ChannelIds) -> str:
    """Where cards asked for in ``here`` (a channel ID) go so that they can be decided: ``here`` when it is an
    approval channel; else the digest channel, or the first approval channel when the allow-list leaves that out."""
    allowed = approval_channel_ids(settings, directory)
    if here in allowed:
        return here
    try:
        digest = directory.channel_id(settings.slack.digest_channel)
    except LookupError:
        digest = ""
    if digest in allowed or not settings.approvers.channels:
        return settings.slack.digest_channel
    return settings.approvers.channels[0]


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
    if proposal.approvers_needed > 1 and click.user in proposal.approvals:
        return Refusal(
            "second_approver",
            "You approved this already. perfbot proposed this high-risk change itself, so a second approver has to "
            "approve it too.",
        )
    return None


def authorize_decider(proposal: Proposal, click: Click, settings: Settings, directory: Directory) -> Refusal | None:
    """The rules that apply to any decision (approve, reject, undo): an approver, where the card was posted."""
    if not is_approver(click.user, settings, directory):
        return Refusal("not_approver", "Only perfbot's configured approvers can decide on changes.")
    return where_refusal(proposal, click, settings, directory)


def where_refusal(proposal: Proposal, click: Click, settings: Settings, directory: ChannelIds) -> Refusal | None:
    """None when the click comes from the card's own channel and that is an approval channel."""
    if click.channel_id not in approval_channel_ids(settings, directory):
        return Refusal("wrong_channel", f"Changes can only be approved in {', '.join(approval_channels(settings))}.")
    if proposal.channel and click.channel_id != _posted_in(proposal.channel, directory):
        return Refusal("wrong_channel", "This card can only be decided in the channel it was posted in.")
    return None


def _posted_in(channel: str, directory: ChannelIds) -> str:
    """The ID of the card's channel (stored as an ID once posted; a name only before that)."""
    try:
        return directory.channel_id(channel)
    except LookupError:
        return channel


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
