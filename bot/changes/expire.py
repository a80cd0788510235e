"""The ``expire`` task: pending proposals past their deadline become expired, and applies interrupted by a crash
(still ``applying`` long after approval) become failed with the resource reported as AWS shows it — both audited.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.schedule import task

INTERRUPTED_AFTER = timedelta(minutes=30)  # longer than any handler waits (cache clusters take the longest)


@task("expire")
def expire_task(event: dict[str, Any]) -> dict[str, Any]:
    from bot.changes.apply import orchestrator
    from bot.changes.authorize import Click
    from bot.changes.cards import ChangeCards
    from bot.changes.kinds import handler_for
    from bot.changes.models import SYSTEM_ACTOR, now_iso
    from bot.changes.proposals import Conflict
    from bot.slack.app import slack_client

    cards = ChangeCards(slack_client())
    orch = orchestrator(progress=cards.refresh)
    expired, interrupted = [], []
    for p in orch.store.pending(due_before=int(time.time())):
        try:
            gone = orch.store.transition(p.id, "proposed", "expired", {"finished_at": now_iso()})
        except Conflict:
            continue  # approved or rejected at the last moment
        orch.record("expired", gone, Click(user=SYSTEM_ACTOR, channel_id=gone.channel), detail="deadline passed")
        cards.refresh(gone)
        expired.append(gone.id)
    cutoff = (datetime.now(UTC) - INTERRUPTED_AFTER).isoformat(timespec="seconds")
    for p in orch.store.applying_since(cutoff):
        live = orch.read_safely(handler_for(p.kind), p)
        try:
            orch.fail(p, "applying", Click(user=SYSTEM_ACTOR, channel_id=p.channel), "interrupted while applying", live)
        except Conflict:
            continue
        interrupted.append(p.id)
    return {"expired": expired, "interrupted": interrupted}
