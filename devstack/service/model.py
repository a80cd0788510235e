"""How the service's configuration shapes its latency: Lambda memory, containers and provisioned concurrency,
the API Gateway cache, and the DynamoDB table's capacity.

The numbers follow the simulator's default scenario (28 ms of compute at 1024 MB, 420 ms init, 7 ms DynamoDB), so a
live run and the simulated day look alike; what the configuration changes is real: less memory computes slower, a
request no warm container can take pays a cold start, a write beyond the table's capacity is throttled.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1769 MB; CPU share is proportional to memory below it
COMPUTE_MS_AT_1024 = 28.0
INIT_MS_AT_1024 = 420.0
COLD_EXTRA_MS = 150.0
CONTAINER_IDLE_S = 60.0  # an idle on-demand container is reclaimed after this long (AWS: minutes; compressed here)
API_OVERHEAD_MS = 6.0  # Latency − IntegrationLatency
INTEGRATION_OVERHEAD_MS = 4.0  # IntegrationLatency − Duration
CACHE_HIT_MS = 3.0
DYNAMODB_QUERY_MS = 6.0
DYNAMODB_PUT_MS = 8.0
BURST_SECONDS = 5.0  # unused capacity DynamoDB lets a table burst into (AWS keeps 300 s; compressed here)
READ_UNITS_PER_QUERY = 0.5
WRITE_UNITS_PER_PUT = 1.0


@dataclass(frozen=True)
class ServiceConfig:
    """What the service is configured to, as read back from the embedded AWS."""

    memory_mb: int = 1024
    provisioned_concurrency: int = 0
    cache_enabled: bool = False
    cache_ttl_s: int = 300
    read_capacity: int = 50
    write_capacity: int = 25


def compute_ms(memory_mb: int) -> float:
    """The handler's own CPU work: proportional to the CPU share its memory buys."""
    return COMPUTE_MS_AT_1024 * 1024 / min(max(memory_mb, 128), FULL_VCPU_MB)


def init_ms(memory_mb: int) -> float:
    """A new execution environment's init (imports, SDK clients) runs on the same CPU share."""
    return INIT_MS_AT_1024 * 1024 / min(max(memory_mb, 128), FULL_VCPU_MB) + COLD_EXTRA_MS


def dynamodb_ms(operation: str, utilization: float) -> float:
    """SuccessfulRequestLatency: the base latency, growing as consumption nears the table's capacity."""
    base = DYNAMODB_QUERY_MS if operation == "Query" else DYNAMODB_PUT_MS
    return base * (1.0 + 3.0 * min(max(utilization, 0.0), 1.0) ** 2)


@dataclass
class Containers:
    """Lambda execution environments: provisioned ones are always warm; on-demand ones start cold and are
    reclaimed when idle. ``acquire`` says whether this invocation pays a cold start."""

    clock: object = time.monotonic
    _idle: list[float] = field(default_factory=list)  # last-used times of idle on-demand containers
    _busy: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, provisioned: int) -> tuple[bool, int]:
        """(cold start?, concurrent executions including this one)."""
        now = self._now()
        with self._lock:
            self._idle = [t for t in self._idle if now - t < CONTAINER_IDLE_S]
            self._busy += 1
            concurrency = self._busy
            if concurrency <= provisioned:
                return False, concurrency
            if self._idle:
                self._idle.pop()
                return False, concurrency
            return True, concurrency

    def release(self, provisioned: int) -> None:
        now = self._now()
        with self._lock:
            if self._busy > provisioned:
                self._idle.append(now)
            self._busy = max(0, self._busy - 1)

    def _now(self) -> float:
        return float(self.clock())  # type: ignore[operator]


class Throttled(Exception):
    """ProvisionedThroughputExceededException: the request exceeded the table's provisioned capacity."""


class Capacity:
    """A table's provisioned capacity as a token bucket: ``units``/s, bursting up to BURST_SECONDS of unused
    capacity. ``consume`` raises Throttled when the bucket is empty and returns the utilization otherwise."""

    def __init__(self, clock: object = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[str, float] = {}
        self._at: dict[str, float] = {}
        self._lock = threading.Lock()

    def consume(self, kind: str, units: float, capacity: int) -> float:
        now = float(self._clock())  # type: ignore[operator]
        limit = max(capacity, 1) * BURST_SECONDS
        with self._lock:
            tokens = self._tokens.get(kind, limit)
            tokens = min(limit, tokens + (now - self._at.get(kind, now)) * capacity)
            self._at[kind] = now
            if tokens < units:
                self._tokens[kind] = tokens
                raise Throttled(f"{kind} capacity of {capacity} units/s exceeded")
            self._tokens[kind] = tokens - units
            return 1.0 - (tokens - units) / limit
