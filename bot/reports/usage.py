"""`/perf usage [service]`: peak and low hours per weekday over the last 14 days, as text and a heat map PNG.

One GetMetricData call per service (hourly Sums of API Gateway ``Count``, else Lambda ``Invocations``); the pattern
itself is :mod:`bot.analysis.usage`, the same one the scheduled provisioned concurrency rule reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.analysis.usage import MIN_DAYS, USAGE_DAYS, UsagePattern, read_usage, usage_window
from bot.reports.common import CLOUDWATCH_SILENT
from bot.reports.heatmap import heat_map_png

if TYPE_CHECKING:
    from bot.settings import Service, Settings


@dataclass(frozen=True)
class ServiceUsage:
    service: str
    pattern: UsagePattern | None
    missing: str = ""  # why there is no pattern
    heat_map: bytes | None = None


@dataclass(frozen=True)
class UsageReport:
    start: datetime
    end: datetime
    services: list[ServiceUsage] = field(default_factory=list)


def build_usage_report(
    settings: Settings, service: Service | None = None, *, now: datetime | None = None, with_heat_map: bool = True
) -> UsageReport:
    from bot.aws.clients import AwsError

    start, end = usage_window(now)
    rows = []
    for s in [service] if service else list(settings.services):
        try:
            pattern = read_usage(s, settings.region, now=end)
        except AwsError as exc:
            rows.append(ServiceUsage(s.name, None, f"{CLOUDWATCH_SILENT} ({exc.code or 'error'})"))
            continue
        if pattern is None:
            missing = f"fewer than {MIN_DAYS} whole days of hourly traffic in the last {USAGE_DAYS} days"
            rows.append(ServiceUsage(s.name, None, missing))
            continue
        png = heat_map_png(pattern.grid) if with_heat_map else None
        rows.append(ServiceUsage(s.name, pattern, heat_map=png))
    return UsageReport(start=start, end=end, services=rows)
