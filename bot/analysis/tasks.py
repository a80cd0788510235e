"""The hourly analysis (``{"task": "analyze"}``): publishes only recommendations that are new or changed, through
the ``publish`` it is given (``bot.slack.delivery.analysis`` registers the task with the Slack one).

The fingerprints of the last run's recommendations live in the state table (``pk="analysis#<service>"``); a
recommendation whose fingerprint (kind, target, proposed values) was already posted stays quiet.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.analysis.models import AnalysisResult

if TYPE_CHECKING:
    from bot.audit import AuditLog

logger = logging.getLogger(__name__)

SCHEDULE_REQUESTER = "perfbot-schedule"
FINGERPRINT_TTL_S = 7 * 86400

Publish = Callable[[AnalysisResult, str], object]  # (result, channel): its summary and a card per recommendation


class PostedFingerprints:
    """What the hourly analysis last posted for a service."""

    def __init__(self, table_name: str) -> None:
        from bot.aws.dynamodb import Table

        self.table = Table(table_name)

    @staticmethod
    def key(service: str) -> dict[str, str]:
        return {"pk": f"analysis#{service}", "sk": "fingerprints"}

    def load(self, service: str) -> set[str]:
        item = self.table.get(self.key(service))
        return set(item.get("fingerprints", [])) if item else set()

    def save(self, service: str, fingerprints: set[str]) -> None:
        now = int(time.time())
        item = {**self.key(service), "fingerprints": sorted(fingerprints), "updated_at": now}
        self.table.put({**item, "expires_at": now + FINGERPRINT_TTL_S})


def hourly_analysis(event: dict[str, Any], publish: Publish, audit: AuditLog | None = None) -> dict[str, Any]:
    """Analyse each service; post what is new, minus what was just rejected or undone (:mod:`bot.analysis.cooldown`)."""
    from bot.analysis.analyzer import analyze
    from bot.analysis.cooldown import hold_back
    from bot.audit import audit_log
    from bot.settings import get_settings

    settings = get_settings()
    channel = str(event.get("channel") or settings.slack.digest_channel)
    posted_store = PostedFingerprints(settings.tables.state)
    report: dict[str, Any] = {"services": {}, "channel": channel}
    for service in event.get("services") or settings.service_names:
        analysed = analyze(service)
        result = hold_back(analysed, audit if audit is not None else audit_log())
        current = {rec.fingerprint(): rec for rec in result.recommendations}
        already = posted_store.load(service)
        fresh = [rec for fp, rec in current.items() if fp not in already]
        if fresh:
            publish(result.model_copy(update={"recommendations": fresh}), channel)
        posted_store.save(service, set(current))
        report["services"][service] = {
            "recommendations": len(current),
            "posted": len(fresh),
            "dropped": len(result.dropped),
            "held_back": len(analysed.recommendations) - len(result.recommendations),
            "source": result.source,
        }
        logger.info("hourly_analysis", extra={"service": service, "posted": len(fresh), "total": len(current)})
    return report
