"""Post-change verification: ``verify_after_min`` after a change, compare its key metric before and after.

One GetMetricData call per change covers both windows (1-minute p95s); each window's median is compared, so a single
noisy minute neither condemns nor excuses a change. More than ``regression_pct`` worse is a regression: the thread
offers a one-click Revert, or perfbot reverts by itself when ``changes.auto_revert_on_regression`` is on.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.aws.cloudwatch import CloudWatchGateway, MetricQuery
from bot.changes.kinds import kind_spec
from bot.changes.models import Proposal
from bot.schedule import task
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    metric: str
    before: float | None
    after: float | None
    regression: bool
    summary: str

    @property
    def change_pct(self) -> float | None:
        if self.before is None or self.after is None or self.before == 0:
            return None
        return (self.after - self.before) / self.before * 100


def metric_for(p: Proposal, settings: Settings) -> MetricQuery:
    """The metric a change of this kind is meant to improve (p95 latency of the layer it touches; DynamoDB: average)."""
    return metrics_for(p, settings)[0]


def metrics_for(p: Proposal, settings: Settings) -> list[MetricQuery]:
    """The series to compare, as the change's kind defines them (an unknown kind is an error, never a default)."""
    return kind_spec(p.kind).metrics(p.service, p.target, settings)


def measure(p: Proposal, settings: Settings, gateway: CloudWatchGateway | None = None) -> Verification:
    applied = datetime.fromisoformat(p.applied_at)
    window = timedelta(minutes=settings.changes.verify_after_min)
    queries = metrics_for(p, settings)
    answer = (gateway or CloudWatchGateway()).get_metric_data(queries, applied - window, applied + window)
    points = [(t, v) for s in answer.values() for t, v in zip(s.timestamps, s.values, strict=True)]
    before = [v for t, v in points if t < applied]
    after = [v for t, v in points if t >= applied]
    label = f"{queries[0].metric} {'average' if queries[0].stat == 'Average' else queries[0].stat}"
    if not before or not after:
        return Verification(label, None, None, False, f"not enough {label} data to compare before and after")
    b, a = statistics.median(before), statistics.median(after)
    regression = a > b * (1 + settings.changes.regression_pct / 100)
    change = (a - b) / b * 100 if b else 0.0
    verdict = "a regression" if regression else ("better" if a < b else "no regression")
    summary = (
        f"{label} {b:,.0f} ms before → {a:,.0f} ms in the {settings.changes.verify_after_min:g} min after "
        f"({change:+.0f} %): {verdict}."
    )
    return Verification(label, b, a, regression, summary)


@task("verify")
def verify_task(event: dict[str, Any]) -> dict[str, Any]:
    """Verify every applied change whose time has come (EventBridge's ``time`` field is "now")."""
    from bot.audit import AuditEvent, audit_log
    from bot.changes.apply import orchestrator
    from bot.changes.cards import ChangeCards
    from bot.changes.models import SYSTEM_ACTOR
    from bot.changes.proposals import Conflict, proposal_store
    from bot.settings import get_settings
    from bot.slack.app import slack_client
    from bot.slack.render import changes as render

    settings, store, audit = get_settings(), proposal_store(), audit_log()
    now = datetime.fromisoformat(event["time"].replace("Z", "+00:00")) if event.get("time") else datetime.now(UTC)
    cards = ChangeCards(slack_client())
    done: list[str] = []
    for due in store.awaiting_verification(now.isoformat(timespec="seconds")):
        result = measure(due, settings)
        try:
            p = store.update_fields(
                due.id, "applied", {"verification": result.summary}, unless=lambda c: bool(c.verification)
            )
        except Conflict:
            continue  # another run verified it, or it was undone meanwhile
        audit.append(
            AuditEvent.about(
                p,
                "verified",
                SYSTEM_ACTOR,
                before={"p95_ms": round(result.before, 1)} if result.before is not None else {},
                after={"p95_ms": round(result.after, 1)} if result.after is not None else {},
                detail=result.summary,
            )
        )
        reverted = bool(result.regression and settings.changes.auto_revert_on_regression)
        text, blocks = render.verification_blocks(p, result, reverted=reverted)
        cards.reply(p, text, blocks)
        cards.refresh(p)
        if reverted:
            from bot.changes.autoapply import revert_automatically

            revert_automatically(orchestrator(progress=cards.refresh), cards, p)
        done.append(p.id)
    return {"verified": done}
