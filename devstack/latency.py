"""A latency model for the devstack: ``slack=100ms,aws=5ms`` adds to every request a delay drawn from a lognormal
distribution whose median is the given value — what perfbot meets against Slack and DynamoDB in a region instead of a
loopback server answering in under a millisecond.

The embedded AWS wraps its WSGI app in :func:`middleware`; the Slack emulator calls :func:`delay` per request. Off
(no delay) until :func:`configure` is called — by ``python -m bot devstack --latency …`` or a benchmark.

The model's median stands for a regional service's *whole* answer time, so the embedded AWS's own processing time
(moto, a Python process on the same cores) comes on top of it. While the model is on, :func:`middleware` notes each
request's arrival and processing time (:func:`service_times`) so a benchmark can show the path with that processing
taken out — what the model alone says.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

SIGMA = 0.25  # spread of the lognormal draw: p95 ≈ 1.5 × the median, like a regional API's tail
_SPEC = re.compile(r"^\s*([a-z]+)\s*=\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_medians: dict[str, float] = {}
_lock = threading.Lock()
_rng = random.Random()
_service_times: dict[str, deque[tuple[float, float]]] = {}
MAX_NOTED = 100_000  # requests whose processing time is kept, per service (a benchmark's worth)


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
        _service_times.clear()
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
        arrived = time.monotonic()
        delay(service)
        if not _medians.get(service):
            return app(environ, start_response)
        started = time.monotonic()
        answer = list(app(environ, start_response))  # moto answers eagerly; the list makes the timing whole
        _note(service, arrived, time.monotonic() - started)
        return answer

    return delayed


def _note(service: str, arrived: float, seconds: float) -> None:
    with _lock:
        _service_times.setdefault(service, deque(maxlen=MAX_NOTED)).append((arrived, seconds))


def service_times(service: str) -> list[tuple[float, float]]:
    """(arrival on CLOCK_MONOTONIC, processing seconds after the model's delay) of each request to ``service`` while
    the model was on — CLOCK_MONOTONIC is one clock for every process on the machine."""
    with _lock:
        return list(_service_times.get(service, ()))
