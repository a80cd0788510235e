"""Post-change verification: ``verify_after_min`` after a change, compare its key metric before and after.

One GetMetricData call per change covers both windows (1-minute p95s); each window's median is compared, so a single
noisy minute neither condemns nor excuses a change. More than ``regression_pct`` worse is a regression: the thread
offers a one-click Revert, or perfbot reverts by itself when ``changes.auto_revert_on_regression`` is on (the
orchestrator's ``verify`` transition decides and records; this module only measures).
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.aws.cloudwatch import CloudWatchGateway, MetricQuery
from bot.changes.kinds import kind_spec
from bot.changes.models import Proposal
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verification:
    metric: str
    before: float | None
    after: float | None
    regression: bool
    summary: str
    stat: str = "p95"  # the statistic compared: "p95", or "average" for DynamoDB's latency

    @property
    def audit_key(self) -> str:
        """How the audit event names the numbers: ``p95_ms``, ``average_ms`` — never p95 for an average."""
        return f"{self.stat}_ms"

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
    stat = "average" if queries[0].stat == "Average" else queries[0].stat
    label = f"{queries[0].metric} {stat}"
    if not before or not after:
        return Verification(label, None, None, False, f"not enough {label} data to compare before and after", stat)
    b, a = statistics.median(before), statistics.median(after)
    regression = a > b * (1 + settings.changes.regression_pct / 100)
    change = (a - b) / b * 100 if b else 0.0
    verdict = "a regression" if regression else ("better" if a < b else "no regression")
    summary = (
        f"{label} {b:,.0f} ms before → {a:,.0f} ms in the {settings.changes.verify_after_min:g} min after "
        f"({change:+.0f} %): {verdict}."
    )
    return Verification(label, b, a, regression, summary, stat)
