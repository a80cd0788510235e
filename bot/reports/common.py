"""What every report shares: windows, service lookup, argument parsing, time alignment and pass/at-risk/breach marks."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.aws.cloudwatch import Series
    from bot.settings import Service, Settings

WINDOWS: dict[str, int] = {"1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
DEFAULT_WINDOW = "24h"
ALIGN_S = 300  # report ends on a 5-minute boundary so CloudWatch never re-rounds a 30-day-old StartTime
AT_RISK_FRACTION = 0.9  # "at risk" = a value within 10 % of its limit
CLOUDWATCH_SILENT = "CloudWatch did not answer"
_WINDOW_LIKE = re.compile(r"^\d+(\.\d+)?[smhdw]$", re.IGNORECASE)


class ReportInputError(ValueError):
    """The user asked for something that does not exist (unknown service, bad window or metric)."""


class Mark(StrEnum):
    PASS = "pass"  # noqa: S105 — a report mark, not a password
    AT_RISK = "at-risk"
    BREACH = "breach"
    UNKNOWN = "n/a"


_SEVERITY = {Mark.PASS: 0, Mark.UNKNOWN: 1, Mark.AT_RISK: 2, Mark.BREACH: 3}


def worst(marks: list[Mark]) -> Mark:
    """The most severe mark; an unknown number outranks a pass (we cannot claim what we could not measure)."""
    return max(marks, key=_SEVERITY.__getitem__, default=Mark.UNKNOWN)


def mark_below(value: float | None, limit: float) -> Mark:
    """For numbers that must stay below ``limit`` (latency, error ratio): breach above it, at-risk within 10 %."""
    if value is None:
        return Mark.UNKNOWN
    if value > limit + 1e-9 * max(1.0, abs(limit)):  # 100 − 99.9 is 0.0999…94 in floating point
        return Mark.BREACH
    if value >= AT_RISK_FRACTION * limit:
        return Mark.AT_RISK
    return Mark.PASS


def is_window(word: str) -> bool:
    return bool(_WINDOW_LIKE.match(word))


def parse_window(word: str) -> str:
    key = word.lower()
    if key not in WINDOWS:
        raise ReportInputError(f"`{word}` is not a window I know; use one of {', '.join(WINDOWS)}.")
    return key


def resolve_service(settings: Settings, name: str) -> Service:
    service = settings.service(name)
    if service is None:
        known = ", ".join(settings.service_names) or "none configured"
        raise ReportInputError(f"I don't know the service `{name}`. Known services: {known}.")
    return service


def parse_service_and_window(settings: Settings, args: list[str]) -> tuple[Service | None, str]:
    """``[service] [window]`` in either order; the window defaults to 24h and no service means all of them."""
    service: Service | None = None
    window = DEFAULT_WINDOW
    for word in args:
        if is_window(word):
            window = parse_window(word)
        elif service is None:
            service = resolve_service(settings, word)
        else:
            raise ReportInputError(f"Unexpected argument `{word}`.")
    return service, window


def aligned_end(now: datetime | None = None) -> datetime:
    """``now`` rounded down to a 5-minute boundary (UTC)."""
    moment = (now or datetime.now(UTC)).timestamp()
    return datetime.fromtimestamp(math.floor(moment / ALIGN_S) * ALIGN_S, tz=UTC)


def epoch(moment: datetime) -> float:
    return moment.timestamp()


def sum_since(series: Series, since: datetime) -> float:
    """Sum of the buckets starting at or after ``since`` (a missing bucket of a count metric means zero)."""
    cut = epoch(since)
    return sum(v for t, v in zip(series.timestamps, series.values, strict=True) if epoch(t) >= cut)


def value_at(series: Series, bucket_start: datetime) -> float | None:
    """The value of the bucket that starts exactly at ``bucket_start``, or None when it has no data."""
    want = epoch(bucket_start)
    for t, v in zip(series.timestamps, series.values, strict=True):
        if abs(epoch(t) - want) < 1:
            return v
    return None


def parse_service(settings: Settings, args: list[str]) -> Service | None:
    """``[service]`` alone (breaker, cost): no service means all of them."""
    if len(args) > 1:
        raise ReportInputError(f"Unexpected argument `{args[1]}`.")
    return resolve_service(settings, args[0]) if args else None


def table_dimensions(table: str, operation: str = "") -> tuple[tuple[str, str], ...]:
    """DynamoDB latency dimensions: per operation as AWS publishes it, or the TableName-only series."""
    return (("TableName", table), ("Operation", operation)) if operation else (("TableName", table),)
