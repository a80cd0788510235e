"""The usage pattern from hourly counts: peak and low hours per weekday, the recurring daily peak and its strength,
and the heat map PNG it is shown as."""

from __future__ import annotations

import struct
import zlib
from datetime import UTC, datetime, timedelta

from bot.analysis.usage import MIN_DAYS, hour_ranges, usage_pattern
from bot.reports.heatmap import heat_map_png

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday


def hourly(days: int, level: object) -> tuple[list[datetime], list[float]]:
    stamps = [START + timedelta(hours=h) for h in range(24 * days)]
    return stamps, [float(level(t)) for t in stamps]  # type: ignore[operator]


def office_hours(t: datetime) -> float:
    """1,000 requests an hour 09–17 UTC on weekdays, 100 otherwise; weekends 100 all day."""
    return 1000.0 if t.weekday() < 5 and 9 <= t.hour < 17 else 100.0


def test_a_weekday_peak_is_found_with_its_hours_and_strength() -> None:
    pattern = usage_pattern(*hourly(14, office_hours), "API Gateway Count")
    assert pattern is not None and pattern.days == 14
    assert pattern.peak_hours(0) == list(range(9, 17)) and pattern.low_hours(0) == [*range(9), *range(17, 24)]
    assert pattern.peak_hours(6) == list(range(24))  # a flat Sunday: every hour is its own peak
    peak = pattern.daily_peak
    assert peak is not None and (peak.start_hour, peak.end_hour) == (9, 17)
    assert peak.words() == "09:00–17:00 UTC"
    assert peak.recurrence == 1.0 and peak.peaked_days == 10 / 14  # flat weekends have no peak of their own
    assert peak.strong and peak.ratio > 2
    assert pattern.busiest is not None and pattern.busiest[2] == 1000.0


def test_flat_traffic_has_no_strong_peak() -> None:
    pattern = usage_pattern(*hourly(14, lambda t: 500.0 + (t.hour % 2)), "API Gateway Count")
    assert pattern is not None
    assert pattern.daily_peak is None or not pattern.daily_peak.strong


def test_a_peak_on_some_days_only_does_not_recur() -> None:
    pattern = usage_pattern(*hourly(14, lambda t: 1000.0 if t.day % 3 == 0 and t.hour == 12 else 100.0), "Count")
    assert pattern is not None and (pattern.daily_peak is None or not pattern.daily_peak.strong)


def test_a_peak_across_midnight_wraps() -> None:
    pattern = usage_pattern(*hourly(14, lambda t: 1000.0 if t.hour >= 22 or t.hour < 2 else 50.0), "Count")
    assert pattern is not None and pattern.daily_peak is not None
    assert (pattern.daily_peak.start_hour, pattern.daily_peak.end_hour, pattern.daily_peak.hours) == (22, 2, 4)


def test_too_few_days_say_nothing() -> None:
    assert usage_pattern(*hourly(MIN_DAYS - 1, office_hours), "Count") is None


def test_hour_ranges_in_words() -> None:
    assert hour_ranges([9, 10, 11, 14]) == "09–12, 14–15"
    assert hour_ranges([]) == "none"


def test_the_heat_map_is_a_png_of_7_by_24_cells_darker_where_busier() -> None:
    pattern = usage_pattern(*hourly(14, office_hours), "Count")
    assert pattern is not None
    png = heat_map_png(pattern.grid)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    idat = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
    rows = zlib.decompress(idat)
    stride = 1 + 3 * width
    assert len(rows) == stride * height

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        at = y * stride + 1 + 3 * x
        return rows[at], rows[at + 1], rows[at + 2]

    from bot.reports.heatmap import CELL, LEFT, TOP

    def cell(day: int, hour: int) -> tuple[int, int, int]:
        return pixel(LEFT + hour * CELL + CELL // 2, TOP + day * CELL + CELL // 2)

    assert sum(cell(0, 12)) < sum(cell(0, 3)) and sum(cell(0, 12)) < sum(cell(6, 12))  # busy Monday noon is darker
