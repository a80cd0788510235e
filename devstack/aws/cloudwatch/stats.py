"""CloudWatch statistics over the datapoints of one period bucket.

CloudWatch computes statistics from the raw values it stored, so percentiles must be computed here from the
values perfbot's simulator published, never from averages. This module is pure (no moto imports) so it is easy
to test and fast: a bucket is a handful of `Datum` objects, each carrying either raw values with counts
(`Value`, or `Values` + `Counts`, never expanded) or a statistic set (`StatisticValues`).

Percentile definition (documented because CloudWatch does not publish its exact interpolation):
nearest rank over the count-weighted values. Sort the distinct values ascending, give each its count as
weight, let N be the total count; the p-th percentile is the smallest value v whose cumulative count is
>= ceil(p / 100 * N). p0 is the minimum, p100 the maximum.

As in AWS, percentiles are only available when CloudWatch has the raw values: a statistic set counts as raw
only when its SampleCount is 1 or its Minimum equals its Maximum (then it is `SampleCount` copies of that
value); any other statistic set in the bucket, or any negative value, makes percentiles unavailable (None).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

BASIC_STATS = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"^p(\d{1,3}(?:\.\d+)?)$")


@dataclass(frozen=True, slots=True)
class Datum:
    """One PutMetricData member as stored: raw values (maybe empty) plus its aggregate."""

    timestamp: float
    unit: str | None
    values: tuple[float, ...]
    counts: tuple[float, ...]
    sample_count: float
    total: float
    minimum: float
    maximum: float
    has_raw: bool

    @classmethod
    def from_values(cls, ts: float, unit: str | None, values: list[float], counts: list[float]) -> Datum:
        total = sum(v * c for v, c in zip(values, counts, strict=True))
        return cls(ts, unit, tuple(values), tuple(counts), sum(counts), total, min(values), max(values), True)

    @classmethod
    def from_statistic_set(
        cls, ts: float, unit: str | None, count: float, total: float, minimum: float, maximum: float
    ) -> Datum:
        raw = count == 1 or minimum == maximum
        values = (minimum,) if raw else ()
        counts = (count,) if raw else ()
        return cls(ts, unit, values, counts, count, total, minimum, maximum, raw)


def parse_percentile(stat: str) -> float | None:
    """`p95` -> 95.0, `p99.9` -> 99.9; None when `stat` is not a percentile in 0..100."""
    match = _PERCENTILE.match(stat)
    if not match:
        return None
    value = float(match.group(1))
    return value if 0.0 <= value <= 100.0 else None


def is_supported(stat: str) -> bool:
    return stat in BASIC_STATS or parse_percentile(stat) is not None


def percentile(pairs: list[tuple[float, float]], p: float) -> float | None:
    """Nearest-rank percentile of (value, count) pairs; see the module docstring."""
    pairs = [pair for pair in pairs if pair[1] > 0]
    if not pairs:
        return None
    pairs.sort()
    if p <= 0:
        return pairs[0][0]
    total = sum(count for _, count in pairs)
    rank = math.ceil(p / 100.0 * total - 1e-9)
    cumulative = 0.0
    for value, count in pairs:
        cumulative += count
        if cumulative >= rank:
            return value
    return pairs[-1][0]


def _average(bucket: list[Datum]) -> float | None:
    count = sum(d.sample_count for d in bucket)
    return sum(d.total for d in bucket) / count if count else None


_BASIC: dict[str, Callable[[list[Datum]], float | None]] = {
    "SampleCount": lambda bucket: sum(d.sample_count for d in bucket),
    "Sum": lambda bucket: sum(d.total for d in bucket),
    "Average": _average,
    "Minimum": lambda bucket: min(d.minimum for d in bucket),
    "Maximum": lambda bucket: max(d.maximum for d in bucket),
}


def compute(stat: str, bucket: list[Datum]) -> float | None:
    """The value of one statistic over one bucket, or None when CloudWatch would return no value."""
    if not bucket:
        return None
    basic = _BASIC.get(stat)
    if basic is not None:
        return basic(bucket)
    p = parse_percentile(stat)
    if p is None or not all(d.has_raw for d in bucket) or any(d.minimum < 0 for d in bucket):
        return None
    pairs = [pair for d in bucket for pair in zip(d.values, d.counts, strict=True)]
    return percentile(pairs, p)
