"""Latency distributions as CloudWatch stores them: distinct values with counts (≤ 150 per datum).

Publishing ``Values``/``Counts`` instead of averages is what makes percentile statistics meaningful. Values are
the quantiles of a lognormal at the middle of fixed probability bins (no sampling noise), each weighted by its
bin's probability; the bins are narrow around p50, p90, p95 and p99, so those come out exact with only 12
values per datum — few numbers to serialise, which is what makes a day of metrics quick to publish.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

MAX_VALUES = 150  # PutMetricData's limit of distinct values per datum
Grid = tuple[tuple[float, float], ...]  # (standard normal quantile, probability weight)


def _grid(edges: tuple[float, ...]) -> Grid:
    normal = NormalDist()
    return tuple((normal.inv_cdf((lo + hi) / 2), hi - lo) for lo, hi in itertools.pairwise(edges))


BODY_GRID = _grid((0, 0.2, 0.4, 0.6, 0.8, 0.895, 0.905, 0.945, 0.955, 0.985, 0.995, 0.999, 1))
TAIL_GRID = _grid((0, 1 / 3, 2 / 3, 1))  # small populations: cold starts, cache hits, memory


def lognormal(median: float, sigma: float, grid: Grid = BODY_GRID) -> list[tuple[float, float]]:
    """(value, probability) at the grid's quantiles of a lognormal with this median and log-space spread."""
    return [(median * math.exp(sigma * z), weight) for z, weight in grid]


@dataclass(frozen=True)
class Distribution:
    values: tuple[float, ...]
    counts: tuple[int, ...]

    @classmethod
    def from_points(cls, points: Iterable[tuple[float, float]], total: int) -> Distribution | None:
        """Spread ``total`` observations over weighted values, as integers (largest remainder) summing to it."""
        merged: dict[float, float] = {}
        for value, weight in points:
            if weight > 0:
                key = round(max(value, 0.0), 1)
                merged[key] = merged.get(key, 0.0) + weight
        weight_sum = sum(merged.values())
        if total <= 0 or not merged or weight_sum <= 0:
            return None
        if len(merged) > MAX_VALUES:
            raise ValueError(f"{len(merged)} distinct values exceed CloudWatch's {MAX_VALUES} per datum")
        shares = sorted(((v, w * total / weight_sum) for v, w in merged.items()), key=lambda p: p[0])
        counts = [math.floor(share) for _, share in shares]
        by_remainder = sorted(range(len(shares)), key=lambda i: shares[i][1] - counts[i], reverse=True)
        for i in by_remainder[: total - sum(counts)]:
            counts[i] += 1
        kept = [(v, c) for (v, _), c in zip(shares, counts, strict=True) if c > 0]
        return cls(tuple(v for v, _ in kept), tuple(c for _, c in kept))

    @classmethod
    def merge(cls, parts: Iterable[Distribution | None]) -> Distribution | None:
        """Several minutes as one (for summaries; may exceed the per-datum limit, never published)."""
        merged: dict[float, int] = {}
        for part in parts:
            for value, count in zip(part.values, part.counts, strict=True) if part else ():
                merged[value] = merged.get(value, 0) + count
        if not merged:
            return None
        values = sorted(merged)
        return cls(tuple(values), tuple(merged[v] for v in values))

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def mean(self) -> float:
        return sum(v * c for v, c in zip(self.values, self.counts, strict=True)) / self.total

    def percentile(self, p: float) -> float:
        """Nearest rank over the counts — the definition the embedded CloudWatch uses."""
        rank = math.ceil(p / 100.0 * self.total - 1e-9)
        cumulative = 0
        for value, count in zip(self.values, self.counts, strict=True):
            cumulative += count
            if cumulative >= rank:
                return value
        return self.values[-1]

    def datum(self) -> dict[str, list[float]]:
        return {"Values": list(self.values), "Counts": [float(c) for c in self.counts]}

    def statistic_set(self) -> dict[str, dict[str, float]]:
        """The minute as an aggregate only — how AWS vends metrics it keeps no raw values of (no percentiles)."""
        return {
            "StatisticValues": {
                "SampleCount": float(self.total),
                "Sum": sum(v * c for v, c in zip(self.values, self.counts, strict=True)),
                "Minimum": self.values[0],
                "Maximum": self.values[-1],
            }
        }
