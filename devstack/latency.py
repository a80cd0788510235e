"""A latency model for the devstack: ``slack=100ms,aws=5ms`` adds to every request a delay drawn from a lognormal
distribution whose median is the given value — what perfbot meets against Slack and DynamoDB in a region instead of a
loopback server answering in under a millisecond.

The embedded AWS wraps its WSGI app in :func:`middleware`; the Slack emulator calls :func:`delay` per request. Off
(no delay) until :func:`configure` is called — by ``python -m bot devstack --latency …`` or a benchmark.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

SIGMA = 0.25  # spread of the lognormal draw: p95 ≈ 1.5 × the median, like a regional API's tail
_SPEC = re.compile(r"^\s*([a-z]+)\s*=\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_medians: dict[str, float] = {}
_lock = threading.Lock()
_rng = random.Random()


def parse(spec: str) -> dict[str, float]:
    """``slack=100ms,aws=5ms`` → {"slack": 0.1, "aws": 0.005} (seconds; a bare number is milliseconds)."""
    medians = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        found = _SPEC.match(part)
        if not found or found.group(1) not in ("slack", "aws"):
            raise ValueError(f"not a latency: {part!r} (try slack=100ms,aws=5ms)")
        value = float(found.group(2))
        medians[found.group(1)] = value if found.group(3) == "s" else value / 1000
    return medians


def configure(spec: str | dict[str, float] | None) -> None:
    """Turn the model on (``spec``) or off (None) for the servers of this process."""
    with _lock:
        _medians.clear()
        if spec:
            _medians.update(parse(spec) if isinstance(spec, str) else spec)


def draw(service: str) -> float:
    """One request's delay in seconds (0 when the model is off for ``service``)."""
    median = _medians.get(service)
    if not median:
        return 0.0
    with _lock:
        return _rng.lognormvariate(math.log(median), SIGMA)


def delay(service: str) -> None:
    seconds = draw(service)
    if seconds:
        time.sleep(seconds)


def middleware(app: Callable[..., Iterable[bytes]], service: str) -> Callable[..., Iterable[bytes]]:
    """The WSGI ``app`` with the model's delay in front of each request."""

    def delayed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        delay(service)
        return app(environ, start_response)

    return delayed
