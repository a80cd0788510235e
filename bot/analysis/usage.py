"""Usage patterns (the guide's "Usage Pattern Analysis"): peak and low hours per weekday over the last 14 days.

From hourly request counts (API Gateway ``Count``, else the function's ``Invocations``): a 7 × 24 grid of average
requests per hour, each weekday's peak and low hours, and the *recurring daily peak* — the hours that are busy on
almost every day, which scheduled provisioned concurrency can be raised for and lowered after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.aws.cloudwatch import MetricQuery, Series
    from bot.settings import Service

USAGE_DAYS = 14
HOUR_S = 3600
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PEAK_SHARE = 0.75  # an hour at ≥ 75 % of its day's busiest hour is a peak hour of that day
LOW_SHARE = 0.25  # at ≤ 25 % of it, a low hour
RECURRING = 0.8  # a daily peak recurs when its hours are peak hours on ≥ 80 % of the days that have a peak …
PEAKED_DAYS = 0.7  # … and at least 70 % of the days have one (weekdays: 5 of 7)
PEAKED = 1.5  # a day has a peak when its busiest hour carries 1.5 times its median hour
STRONG_RATIO = 2.0  # and carry at least twice the traffic per hour of the rest of the day
MIN_HOURS = 20  # a day with fewer hours of data is the window's partial first or last day: left out
MIN_DAYS = 7  # fewer days of data say nothing about a weekly pattern


@dataclass(frozen=True)
class DailyPeak:
    """The hours [start, end) UTC (end may wrap past midnight) that are busy on ``recurrence`` of the days."""

    start_hour: int
    end_hour: int
    recurrence: float  # the least share of the peaked days on which each of these hours was a peak hour
    ratio: float  # requests per hour in the window ÷ requests per hour outside it
    peaked_days: float = 1.0  # share of the days that have a peak at all (a flat day has none)

    @property
    def hours(self) -> int:
        return (self.end_hour - self.start_hour) % 24 or 24

    @property
    def strong(self) -> bool:
        return (
            self.recurrence >= RECURRING
            and self.peaked_days >= PEAKED_DAYS
            and self.ratio >= STRONG_RATIO
            and self.hours < 24
        )

    def words(self) -> str:
        return f"{self.start_hour:02d}:00–{self.end_hour:02d}:00 UTC"


@dataclass(frozen=True)
class UsagePattern:
    metric: str  # "API Gateway Count" or "Lambda Invocations"
    days: int  # days with data
    grid: tuple[tuple[float | None, ...], ...]  # weekday (Mon = 0) × hour UTC → average requests in that hour
    daily_peak: DailyPeak | None
    total_requests: float = 0.0

    def peak_hours(self, weekday: int) -> list[int]:
        return _hours_at(self.grid[weekday], lambda v, top: v >= PEAK_SHARE * top)

    def low_hours(self, weekday: int) -> list[int]:
        return _hours_at(self.grid[weekday], lambda v, top: v <= LOW_SHARE * top)

    @property
    def busiest(self) -> tuple[int, int, float] | None:
        """(weekday, hour, requests) of the busiest cell."""
        cells = [(v, d, h) for d, row in enumerate(self.grid) for h, v in enumerate(row) if v is not None]
        if not cells:
            return None
        value, day, hour = max(cells)
        return day, hour, value


def _hours_at(row: tuple[float | None, ...], keep: object) -> list[int]:
    values = [v for v in row if v is not None]
    if not values or max(values) <= 0:
        return []
    top = max(values)
    return [h for h, v in enumerate(row) if v is not None and keep(v, top)]  # type: ignore[operator]


def hour_ranges(hours: list[int]) -> str:
    """[9, 10, 11, 14] → "09–12, 14–15" (hours UTC, end exclusive)."""
    if not hours:
        return "none"
    ranges: list[tuple[int, int]] = []
    for h in sorted(hours):
        if ranges and ranges[-1][1] == h:
            ranges[-1] = (ranges[-1][0], h + 1)
        else:
            ranges.append((h, h + 1))
    return ", ".join(f"{a:02d}–{b:02d}" for a, b in ranges)


def usage_pattern(timestamps: list[datetime], values: list[float], metric: str) -> UsagePattern | None:
    """The pattern of hourly counts; None with fewer than :data:`MIN_DAYS` days of traffic."""
    by_day: dict[datetime, dict[int, float]] = defaultdict(dict)
    for at, value in zip(timestamps, values, strict=True):
        moment = at.astimezone(UTC)
        by_day[moment.replace(hour=0, minute=0, second=0, microsecond=0)][moment.hour] = value
    days = {day: hours for day, hours in by_day.items() if len(hours) >= MIN_HOURS and sum(hours.values()) > 0}
    if len(days) < MIN_DAYS:
        return None
    cells: dict[tuple[int, int], list[float]] = defaultdict(list)
    for day, hours in days.items():
        for hour in range(24):
            cells[(day.weekday(), hour)].append(hours.get(hour, 0.0))
    grid = tuple(
        tuple((sum(cells[(d, h)]) / len(cells[(d, h)])) if cells[(d, h)] else None for h in range(24)) for d in range(7)
    )
    return UsagePattern(
        metric=metric,
        days=len(days),
        grid=grid,
        daily_peak=_daily_peak(list(days.values())),
        total_requests=sum(values),
    )


def _daily_peak(days: list[dict[int, float]]) -> DailyPeak | None:
    busy = [0] * 24
    totals = [0.0] * 24
    peaked = 0
    for hours in days:
        values = [hours.get(hour, 0.0) for hour in range(24)]
        top, median = max(values), sorted(values)[12]
        for hour, value in enumerate(values):
            totals[hour] += value
        if top < PEAKED * median:
            continue  # a flat day: no hour of it is a peak
        peaked += 1
        for hour, value in enumerate(values):
            if value >= PEAK_SHARE * top:
                busy[hour] += 1
    if not peaked:
        return None
    share = [b / peaked for b in busy]
    center = max(range(24), key=lambda h: (share[h], totals[h]))
    if share[center] < RECURRING:
        return None
    start, end = center, center + 1
    while (start - 1) % 24 != end % 24 and share[(start - 1) % 24] >= RECURRING and end - start < 23:
        start -= 1
    while share[end % 24] >= RECURRING and end - start < 23:
        end += 1
    window = [h % 24 for h in range(start, end)]
    outside = [h for h in range(24) if h not in window]
    inside_rate = sum(totals[h] for h in window) / len(window)
    outside_rate = sum(totals[h] for h in outside) / len(outside) if outside else inside_rate
    ratio = inside_rate / outside_rate if outside_rate > 0 else float("inf")
    return DailyPeak(
        start_hour=start % 24,
        end_hour=end % 24,
        recurrence=min(share[h] for h in window),
        ratio=round(ratio, 2),
        peaked_days=peaked / len(days),
    )


# -- reading it from CloudWatch -----------------------------------------------------------------------------------


def usage_query(service: Service) -> tuple[MetricQuery, str] | None:
    """The hourly Sum that measures the service's traffic: its API's Count, else its first function's Invocations."""
    from bot.aws.cloudwatch import MetricQuery

    if service.api is not None:
        dims = (("ApiName", service.api.name),)
        return MetricQuery("usage", "AWS/ApiGateway", "Count", dims, "Sum", HOUR_S), "API Gateway Count"
    if service.lambda_functions:
        dims = (("FunctionName", service.lambda_functions[0].name),)
        return MetricQuery("usage", "AWS/Lambda", "Invocations", dims, "Sum", HOUR_S), "Lambda Invocations"
    return None


def usage_window(now: datetime | None = None, days: int = USAGE_DAYS) -> tuple[datetime, datetime]:
    """The last ``days`` whole hours-aligned days: [end − days, end) with ``end`` on the hour."""
    end = (now or datetime.now(UTC)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=days), end


def read_usage(service: Service, region: str | None = None, *, now: datetime | None = None) -> UsagePattern | None:
    """The service's usage pattern over the last 14 days (one GetMetricData call); None without enough data.
    Raises :class:`bot.aws.AwsError` when CloudWatch does not answer."""
    from bot.aws.cloudwatch import CloudWatchGateway

    query = usage_query(service)
    if query is None:
        return None
    start, end = usage_window(now)
    series: Series = CloudWatchGateway(region).get_metric_data([query[0]], start, end)["usage"]
    return usage_pattern(series.timestamps, series.values, query[1])
