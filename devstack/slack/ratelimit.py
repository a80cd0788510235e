"""HTTP 429 as Slack answers it: per-method tiers, scripted refusals, and chat.postMessage's per-channel bucket.

Slack answers ``429 Too Many Requests`` with ``Retry-After`` (seconds) and ``{"ok": false, "error":
"ratelimited"}``. Each method has a documented tier, a per-minute allowance counted per method and token:
Tier 1 ``1+``, Tier 2 ``20+``, Tier 3 ``50+``, Tier 4 ``100+`` per minute. The emulator allows exactly the
documented minimum in any 60 s window (on by default; ``emu.reset()`` clears the counts). chat.postMessage has a
"special" limit instead — about one message per second per channel, short bursts allowed — which is the token
bucket below (off by default: Slack documents no burst size). Tests script exact 429s (``script``) to prove the
retry handlers work. Not thread-safe on its own: the store calls it under its lock.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

CHANNEL_LIMITED_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal"})
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
WINDOW_S = 60.0

# Slack's method reference, "Rate limits". auth.test, chat.postMessage and chat.getPermalink are "special" (no
# per-minute number is documented; chat.postMessage's per-channel limit is the bucket).
METHOD_TIERS: dict[str, int] = {
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "conversations.info": 3,
    "conversations.list": 2,
    "conversations.history": 3,
    "conversations.replies": 3,
    "reactions.add": 3,
    "reactions.remove": 2,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "files.info": 4,
    "users.info": 4,
    "users.list": 2,
    "usergroups.list": 2,
    "usergroups.users.list": 2,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
}


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
    tiers_on: bool = True
    per_minute: dict[str, int | None] = field(default_factory=dict)  # overrides of the tier allowance
    windows: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def script(self, method: str, times: int, retry_after: int) -> None:
        """The next ``times`` calls of ``method`` answer 429 with ``Retry-After: retry_after``."""
        self.scripted.setdefault(method, []).extend([retry_after] * times)

    def enforce_channel_rate(self, per_second: float | None, burst: int) -> None:
        self.per_second = per_second
        self.burst = max(1, burst)
        self.buckets.clear()

    def enforce_tiers(self, enabled: bool, per_minute: Mapping[str, int | None] | None) -> None:
        self.tiers_on = enabled
        self.per_minute.update(per_minute or {})
        self.windows.clear()

    def reset(self) -> None:
        """Counts, scripts and buckets cleared; tiers back on at their documented allowance, the bucket off."""
        self.scripted.clear()
        self.buckets.clear()
        self.per_second = None
        self.tiers_on = True
        self.per_minute.clear()
        self.windows.clear()

    def allowance(self, method: str) -> int | None:
        """Calls per minute this method is allowed (``None``: no per-minute limit)."""
        if method in self.per_minute:
            return self.per_minute[method]
        tier = METHOD_TIERS.get(method)
        return TIER_PER_MINUTE[tier] if tier else None

    def check(self, method: str, channel: str | None, token: str = "") -> int | None:
        """``Retry-After`` seconds when this call must be refused, else ``None`` (and the call is counted)."""
        queue = self.scripted.get(method)
        if queue:
            return queue.pop(0)
        limit = self.allowance(method) if self.tiers_on else None
        window = self.windows.setdefault((token, method), deque()) if limit is not None else None
        now = self.clock()
        if window is not None and limit is not None:
            while window and now - window[0] >= WINDOW_S:
                window.popleft()
            if len(window) >= limit:
                return max(1, math.ceil(WINDOW_S - (now - window[0])))
        retry_after = self._bucket(method, channel, now)
        if retry_after is None and window is not None:
            window.append(now)
        return retry_after

    def _bucket(self, method: str, channel: str | None, now: float) -> int | None:
        if self.per_second is None or channel is None or method not in CHANNEL_LIMITED_METHODS:
            return None
        bucket = self.buckets.get(channel)
        if bucket is None:
            bucket = self.buckets[channel] = _Bucket(tokens=float(self.burst), stamp=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.per_second)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.per_second))
