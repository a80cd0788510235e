"""The guide's four tests as bounded phases: baseline health check, metrics submission under load, circuit-breaker
stress, recovery validation. ``scale`` shrinks or grows every phase's request count (tests use small ones)."""

from __future__ import annotations

import random
from collections.abc import Callable

from bot.loadtest.engine import Phase, PhaseState, Request

PROFILES = ("baseline", "load", "stress", "recovery")
RECOVERY_PROBE_RATE = 5.0


def _health(_: int) -> Request:
    return Request("GET", "/health")


GET_SHARE_TENTHS = 7  # the monitored service's traffic mix: 70 % reads (GET /metrics), 30 % writes


def is_read(i: int) -> bool:
    return i % 10 < GET_SHARE_TENTHS


def _submit(i: int) -> Request:
    service = f"load-test-{i % 3}"
    if is_read(i):
        return Request("GET", f"/metrics?service={service}&limit=25")
    body = {"service_name": service, "metric_type": "test", "value": random.randint(0, 32767)}  # noqa: S311
    return Request("POST", "/metrics", body)


def _invalid(_: int) -> Request:
    return Request("POST", "/metrics", {"invalid": "data"})


def _write(i: int) -> Request:
    return Request("POST", "/metrics", {"service_name": "stress-test", "metric_type": "test", "value": i})


def _batch(i: int) -> Request:
    """25 metrics in one request (one BatchWriteItem): the write capacity this costs is what trips the breaker."""
    items = [{"service_name": "stress-test", "metric_type": "test", "value": i * 25 + k} for k in range(25)]
    return Request("POST", "/metrics", {"items": items})


def _recovered(state: PhaseState) -> bool:
    return state.recovered_at is not None


def phases(
    profile: str, *, scale: float = 1.0, max_seconds: float = 60.0, recovery_max_s: float = 120.0
) -> list[Phase]:
    def n(count: int) -> int:
        return max(1, round(count * scale))

    table: dict[str, Callable[[], list[Phase]]] = {
        "baseline": lambda: [Phase("health", 20.0, n(200), _health, max_seconds)],
        "load": lambda: [Phase("metrics-load", 20.0, n(400), _submit, max_seconds)],
        "stress": lambda: [
            Phase("invalid-data", 10.0, n(10), _invalid, max_seconds),
            Phase("write-burst", 20.0, n(200), _batch, max_seconds),
        ],
        "recovery": lambda: [
            Phase("trip", 20.0, n(200), _batch, max_seconds),
            Phase(
                "recovery-probe",
                RECOVERY_PROBE_RATE,
                int(recovery_max_s * RECOVERY_PROBE_RATE),
                _write,
                recovery_max_s,
                until=_recovered,
                after_trip=True,
            ),
        ],
    }
    if profile not in table:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)} or all")
    return table[profile]()
