"""The undo of an applied change: a new proposal for the inverse change, approved like any other.

Its id is derived from the change's id (and the attempt: an undo that was rejected, expired or failed leaves room for
the next), so every click on Undo or Revert — double clicks, Slack retries, two approvers at once — names the same
proposal and only one of them can create it. Its risk is the inverse change's own, by the kind's rule: the undo of a
capacity decrease is an increase (low), the undo of 1024 → 2048 MB is a cut to 1024 MB (high, so two people).
"""

from __future__ import annotations

import logging
import time

from bot.analysis.models import Risk, Values
from bot.changes.kinds import kind_spec
from bot.changes.models import Proposal, undo_id

logger = logging.getLogger(__name__)


def inverse_proposal(original: Proposal, requester: str, ttl_h: float, attempt: int = 0) -> Proposal:
    """The undo of ``original``: from what AWS reported after the change back to what it was before."""
    spec = kind_spec(original.kind)
    before = {k: v for k, v in (original.read_back or original.after).items() if k in original.after}
    after = spec.inverse(original.before, original.after)
    return Proposal(
        id=undo_id(original.id, attempt),
        kind=original.kind,
        service=original.service,
        target=original.target,
        before=before,
        after=after,
        rationale=f"Undo of {original.id}: restore the value from before that change.",
        risk=inverse_risk(original, before, after),
        confidence=1.0,
        source=f"undo:{original.id}",
        fingerprint=original.fingerprint,
        requester=requester,
        channel=original.channel,
        approve_by=int(time.time() + ttl_h * 3600),
        undo_of=original.id,
    )


def inverse_risk(original: Proposal, before: Values, after: Values) -> Risk:
    """The kind's risk of going from ``before`` to ``after``; high when the rule cannot read the values."""
    try:
        return kind_spec(original.kind).risk(before, after)
    except (KeyError, TypeError, ValueError) as exc:
        logger.warning("undo_risk_unreadable", extra={"change": original.id, "error": str(exc)})
        return "high"
