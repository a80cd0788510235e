"""Indexed CloudWatch metric store that replaces moto's flat list of datums.

moto keeps every PutMetricData value as a separate object in one list (expanding `Counts`) and scans the whole
list for every period of every query, which is far too slow for a day of minute-level data. Here each metric
(namespace, name, exact dimension set) has its own time-sorted series, so a query is a dictionary lookup plus a
bisect, and `Values`/`Counts` stay compact.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .stats import Datum

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def to_epoch(value: Any) -> float:
    """Seconds since the epoch for a datetime (naive means UTC, as in the AWS wire formats) or a number."""
    if value is None:
        return time.time()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def dimension_key(dimensions: list[dict[str, Any]] | None) -> frozenset[tuple[str, str]]:
    return frozenset((str(d["Name"]), str(d.get("Value", ""))) for d in dimensions or [])


@dataclass
class Series:
    """The datums of one metric, kept sorted by timestamp (parallel lists so bisect works on floats)."""

    times: list[float] = field(default_factory=list)
    data: list[Datum] = field(default_factory=list)

    def add(self, datum: Datum) -> None:
        if not self.times or datum.timestamp >= self.times[-1]:
            self.times.append(datum.timestamp)
            self.data.append(datum)
            return
        index = bisect.bisect_right(self.times, datum.timestamp)
        self.times.insert(index, datum.timestamp)
        self.data.insert(index, datum)

    def window(self, start: float, end: float, unit: str | None = None) -> list[Datum]:
        """Datums with start <= timestamp < end, optionally only those stored with `unit`."""
        lo = bisect.bisect_left(self.times, start)
        hi = bisect.bisect_left(self.times, end)
        chunk = self.data[lo:hi]
        if unit:
            chunk = [d for d in chunk if d.unit == unit]
        return chunk


class MetricStore:
    """All metrics of one account and region; thread-safe because moto's server handles requests in threads."""

    def __init__(self) -> None:
        self._series: dict[MetricKey, Series] = {}
        self._lock = threading.Lock()

    def put(self, namespace: str, member: dict[str, Any]) -> None:
        """Store one validated PutMetricData member."""
        key = (namespace, str(member["MetricName"]), dimension_key(member.get("Dimensions")))
        datum = datum_from_member(member)
        with self._lock:
            self._series.setdefault(key, Series()).add(datum)

    def window(self, key: MetricKey, start: float, end: float, unit: str | None = None) -> list[Datum]:
        with self._lock:
            series = self._series.get(key)
            return series.window(start, end, unit) if series else []

    def last_timestamp(self, key: MetricKey) -> float | None:
        with self._lock:
            series = self._series.get(key)
            return series.times[-1] if series and series.times else None

    def keys(self) -> list[MetricKey]:
        with self._lock:
            return sorted(self._series, key=lambda k: (k[0], k[1], sorted(k[2])))

    def forget(self, namespace: str, dimensions: list[dict[str, Any]] | None) -> int:
        """Drop every series of ``namespace`` that has all ``dimensions`` (ListMetrics matching); how many.
        AWS has no such call (datapoints only expire): the devstack's way to replace a simulated day."""
        doomed = list(self.list_metrics(namespace, None, dimensions))
        with self._lock:
            for key in doomed:
                self._series.pop(key, None)
        return len(doomed)

    def list_metrics(
        self, namespace: str | None, metric_name: str | None, dimensions: list[dict[str, Any]] | None
    ) -> Iterator[MetricKey]:
        """ListMetrics filtering: every given dimension must be present (a dimension without Value matches any)."""
        wanted = [(str(d["Name"]), d.get("Value")) for d in dimensions or []]
        for key in self.keys():
            ns, name, dims = key
            if namespace and ns != namespace:
                continue
            if metric_name and name != metric_name:
                continue
            names = dict(dims)
            if all(n in names and (v is None or names[n] == v) for n, v in wanted):
                yield key


def datum_from_member(member: dict[str, Any]) -> Datum:
    timestamp = to_epoch(member.get("Timestamp"))
    unit = member.get("Unit")
    if member.get("Values"):
        values = [float(v) for v in member["Values"]]
        counts = [float(c) for c in member.get("Counts") or [1.0] * len(values)]
        return Datum.from_values(timestamp, unit, values, counts)
    stats = member.get("StatisticValues")
    if stats:
        return Datum.from_statistic_set(
            timestamp,
            unit,
            float(stats["SampleCount"]),
            float(stats["Sum"]),
            float(stats["Minimum"]),
            float(stats["Maximum"]),
        )
    return Datum.from_values(timestamp, unit, [float(member.get("Value", 0.0))], [1.0])
