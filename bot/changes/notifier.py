"""What the change flow tells people, as a port: the orchestrator calls it, ``bot.slack.delivery.changes`` implements
it with Slack cards (tests record the calls instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.changes.models import Proposal
    from bot.changes.verify import Verification


@dataclass(frozen=True)
class CardAddress:
    """Where a card was posted: the channel's ID (never a name) and the message's ts."""

    channel: str
    ts: str


class ChangeNotifier(Protocol):
    def post(self, p: Proposal, *, thread_ts: str | None = None) -> CardAddress:
        """Post the card of a pending proposal (in ``thread_ts`` when given); where it is."""

    def refresh(self, p: Proposal) -> bool | None:
        """Redraw the card for the proposal's current state ("applying… by", the result, the failure). Never raises:
        the change is done and audited whether or not its card could be redrawn; False when it could not (the
        orchestrator marks the card stale and redraws it on the next click)."""

    def verified(self, p: Proposal, result: Verification, *, revert: Proposal | None) -> None:
        """The verification result in the card's thread; ``revert`` is the undo perfbot starts by itself (after a
        regression with ``changes.auto_revert_on_regression``), None when it offers a Revert button or none."""
