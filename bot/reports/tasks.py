"""Scheduled ``digest`` (daily SLA digest) and ``regressions`` (hourly regression check), told through a
:class:`~bot.reports.notifier.ReportNotifier` (``bot.slack.delivery.reports`` registers them with the Slack one).

The EventBridge event's ``time`` is the moment the report is for, so a delayed invocation reports the hour it was
scheduled for. A regression is posted once per service, metric and resource while it lasts (a state-table
marker with a TTL), not every hour.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.reports.notifier import ReportNotifier

REPOST_AFTER = timedelta(hours=6)


def _moment(event: dict[str, Any]) -> datetime:
    raw = event.get("time")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            pass
    return datetime.now(UTC)


def digest(event: dict[str, Any], notify: ReportNotifier) -> dict[str, Any]:
    from bot.reports.digest import build_digest
    from bot.settings import get_settings

    settings = get_settings()
    report = build_digest(settings, now=_moment(event))
    channel = settings.slack.digest_channel
    notify.post_digest(channel, report)
    return {"channel": channel, "services": len(report.services), "mark": str(report.mark)}


def regressions(event: dict[str, Any], notify: ReportNotifier) -> dict[str, Any]:
    from bot.reports.digest import channel_for_service
    from bot.reports.regressions import scan_regressions
    from bot.settings import get_settings

    settings = get_settings()
    now = _moment(event)
    scan = scan_regressions(settings, now=now)
    fresh = [
        r for r in scan.regressions if _first_sighting(settings.tables.state, r.service, r.metric, r.resource, now)
    ]
    by_channel: dict[str, list[Any]] = defaultdict(list)
    for regression in fresh:
        by_channel[channel_for_service(settings, regression.service)].append(regression)
    for channel, found in by_channel.items():
        notify.post_regressions(channel, scan.model_copy(update={"regressions": found}))
    return {
        "checked": scan.checked,
        "regressions": len(scan.regressions),
        "posted": len(fresh),
        "missing": scan.missing,
    }


def _first_sighting(table_name: str, service: str, metric: str, resource: str, now: datetime) -> bool:
    """True once per regression per REPOST_AFTER: a conditional put decides, so concurrent runs post once."""
    from bot.aws.dynamodb import ConditionFailed, Table

    try:
        Table(table_name).put(
            {
                "pk": f"regression#{service}#{metric}#{resource}",
                "sk": "finding",
                "seen_at": now.isoformat(),
                "expires_at": int((now + REPOST_AFTER).timestamp()),
            },
            condition="attribute_not_exists(pk) OR expires_at < :now",
            values={":now": int(now.timestamp())},
        )
    except ConditionFailed:
        return False
    return True
