"""HTTP 429 on demand: scripted per method, and an optional per-channel token bucket.

Slack answers ``429 Too Many Requests`` with ``Retry-After`` (seconds) and ``{"ok": false, "error":
"ratelimited"}``; chat.postMessage allows about one message per second per channel with short bursts. Tests
script exact 429s (``rate_limit``) to prove the retry handlers work; benchmarks can switch the bucket on to see
whether the bot paces itself. Not thread-safe on its own: the store calls it under its lock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CHANNEL_LIMITED_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal"})


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    clock: Callable[[], float] = time.monotonic
    scripted: dict[str, list[int]] = field(default_factory=dict)
    per_second: float | None = None
    burst: int = 1
    buckets: dict[str, _Bucket] = field(default_factory=dict)

    def script(self, method: str, times: int, retry_after: int) -> None:
        """The next ``times`` calls of ``method`` answer 429 with ``Retry-After: retry_after``."""
        self.scripted.setdefault(method, []).extend([retry_after] * times)

    def enforce_channel_rate(self, per_second: float | None, burst: int) -> None:
        self.per_second = per_second
        self.burst = max(1, burst)
        self.buckets.clear()

    def reset(self) -> None:
        self.scripted.clear()
        self.buckets.clear()
        self.per_second = None

    def check(self, method: str, channel: str | None) -> int | None:
        """``Retry-After`` seconds when this call must be refused, else ``None`` (and the call is counted)."""
        queue = self.scripted.get(method)
        if queue:
            return queue.pop(0)
        if self.per_second is None or channel is None or method not in CHANNEL_LIMITED_METHODS:
            return None
        now = self.clock()
        bucket = self.buckets.get(channel)
        if bucket is None:
            bucket = self.buckets[channel] = _Bucket(tokens=float(self.burst), stamp=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.per_second)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))
