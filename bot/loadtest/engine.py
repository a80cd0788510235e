"""The load generator: open-loop arrivals with aiohttp, latencies in HDR histograms.

Requests are sent at their scheduled instant (``start + i / rate``) whether or not earlier ones have answered, and
each latency is measured from that instant, so a slow server cannot slow the generator down and hide its own
slowness (coordinated omission). Every phase is bounded by a request count, a duration and an in-flight cap; a
request that the cap refuses is counted as dropped, not delayed.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.loadtest.models import PhaseResult

HIST_MAX_US = 120_000_000  # 2 min
# asyncio's sleep wakes up to a millisecond late (epoll's timeout is whole milliseconds, rounded up): sleep until
# this close to a request's instant, then yield to the loop until it comes — at most this long a spin per request.
SPIN_S = 0.0015
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Phase:
    name: str
    rate: float  # requests per second, open loop
    requests: int
    make: Callable[[int], Request]
    max_seconds: float = 60.0
    max_in_flight: int = 256
    until: Callable[[PhaseState], bool] | None = None  # stop early once this holds (recovery)
    after_trip: bool = False  # follows a phase that tripped the breaker: its refusals are not a new trip


@dataclass
class PhaseState:
    """What a phase observed so far (also what ``until`` looks at)."""

    ok: int = 0
    client_errors: int = 0
    server_errors: int = 0
    transport_errors: int = 0
    breaker_refusals: int = 0
    breaker_trips: int = 0
    dropped: int = 0
    first_refusal_at: float | None = None
    recovered_at: float | None = None
    _refusing: bool = False
    streak: int = 0  # consecutive successes
    statuses: dict[str, int] = field(default_factory=dict)


Signer = Callable[[str, str, bytes], dict[str, str]]  # (method, url, body) -> headers


class LoadGenerator:
    def __init__(self, base_url: str, *, headers: dict[str, str] | None = None, signer: Signer | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = headers or {}
        self.signer = signer

    def run(self, phase: Phase, progress: Callable[[int], None] | None = None) -> PhaseResult:
        return asyncio.run(self._run(phase, progress))

    async def _run(self, phase: Phase, progress: Callable[[int], None] | None) -> PhaseResult:
        import aiohttp
        from hdrh.histogram import HdrHistogram

        histogram = HdrHistogram(1, HIST_MAX_US, 3)
        lag = HdrHistogram(1, HIST_MAX_US, 3)  # scheduled instant → the request handed to aiohttp
        state = PhaseState(_refusing=phase.after_trip)
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        connector = aiohttp.TCPConnector(limit=phase.max_in_flight, force_close=False)
        loop = asyncio.get_running_loop()
        in_flight: set[asyncio.Task[None]] = set()
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            start = loop.time()
            deadline = start + phase.max_seconds
            sent = 0
            for i in range(phase.requests):
                due = start + i / phase.rate
                if due > deadline or (phase.until is not None and phase.until(state)):
                    break
                await _until(loop, due)
                if len(in_flight) >= phase.max_in_flight:
                    state.dropped += 1
                    continue
                task = asyncio.create_task(self._one(session, phase.make(i), due, (histogram, lag), state, loop))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                sent += 1
                if progress is not None:
                    progress(1)
            if in_flight:
                await asyncio.wait(in_flight, timeout=REQUEST_TIMEOUT_S + 1)
            elapsed = loop.time() - start
        result = PhaseResult.from_state(phase.name, phase.rate, sent, elapsed, histogram, state, start)
        result.send_lag_p50_ms = round(lag.get_value_at_percentile(50) / 1000, 3) if lag.total_count else 0.0
        return result

    async def _one(
        self, session: Any, request: Request, due: float, histograms: tuple[Any, Any], state: PhaseState, loop: Any
    ) -> None:
        histogram, lag = histograms
        url = self.base_url + request.path
        body = json.dumps(request.body).encode() if request.body is not None else b""
        headers = {"Content-Type": "application/json", **self.headers}
        if self.signer is not None:
            headers.update(self.signer(request.method, url, body))
        lag.record_value(max(1, int((loop.time() - due) * 1_000_000)))
        try:
            async with session.request(request.method, url, data=body or None, headers=headers) as response:
                payload = await response.read()
                status = response.status
        except Exception:  # connection refused, reset, timeout: the request failed without an HTTP answer
            state.transport_errors += 1
            return
        finally:
            histogram.record_value(max(1, int((loop.time() - due) * 1_000_000)))
        _classify(state, status, payload, time.time())


async def _until(loop: asyncio.AbstractEventLoop, due: float) -> None:
    """Wait for the instant ``due`` (loop time): a sleep for most of it, then yields to the loop (responses keep being
    read) for the last ``SPIN_S``, so requests leave on time rather than a timer tick late."""
    delay = due - loop.time()
    if delay > SPIN_S:
        await asyncio.sleep(delay - SPIN_S)
    while loop.time() < due:
        await asyncio.sleep(0)


RECOVERY_STREAK = 3  # consecutive successes that show a breaker closed again (its half-open success threshold)


def _classify(state: PhaseState, status: int, payload: bytes, now: float) -> None:
    state.statuses[str(status)] = state.statuses.get(str(status), 0) + 1
    if status == 503 and b"circuit_open" in payload:  # the service's breaker refused without trying DynamoDB
        state.breaker_refusals += 1
        state.streak = 0
        if not state._refusing:
            state.breaker_trips += 1
            state._refusing = True
        if state.first_refusal_at is None:
            state.first_refusal_at = now
        return
    if status >= 400:
        state.streak = 0
        if status < 500:
            state.client_errors += 1
        else:
            state.server_errors += 1
        return
    state.ok += 1
    state.streak += 1
    if state._refusing and state.streak >= RECOVERY_STREAK:
        state._refusing = False
        if state.recovered_at is None:
            state.recovered_at = now
