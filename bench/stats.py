"""Small statistics for the benchmarks (nearest-rank percentiles, ratio formatting)."""

from __future__ import annotations

import math


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def verdict(ratio: float, goal: float) -> str:
    return "meets goal" if ratio <= goal else "MISSES goal"
