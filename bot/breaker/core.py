"""AdaptiveCircuitBreaker: a circuit breaker with adaptive thresholds (CLOSED → OPEN → HALF_OPEN), its state
shared by every container through a store.

Every state change is read → apply a pure transition → conditional write; on a version conflict the breaker
re-reads and re-applies, so concurrent failures in several containers are all counted and it opens once.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from bot.breaker import transitions
from bot.breaker.errors import BreakerStoreError, CircuitOpenError
from bot.breaker.models import BreakerState, BreakerStatus
from bot.breaker.store import BreakerStore

P = ParamSpec("P")
R = TypeVar("R")
Transition = Callable[[BreakerStatus, float], BreakerStatus]

MAX_ATTEMPTS = 25
MAX_BACKOFF_S = 0.05


class AdaptiveCircuitBreaker:
    """A circuit breaker whose thresholds are defaults for a new record; once stored, the stored ones win."""

    def __init__(
        self,
        key: str,
        store: BreakerStore,
        *,
        failure_threshold: int = 5,
        open_timeout_s: float = 60,
        half_open_success_threshold: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if failure_threshold < 1 or half_open_success_threshold < 1 or open_timeout_s < 0:
            raise ValueError("thresholds must be >= 1 and the open timeout >= 0")
        self.key = key
        self._store = store
        self._clock = clock
        self._initial = BreakerStatus(
            key=key,
            failure_threshold=failure_threshold,
            open_timeout_s=float(open_timeout_s),
            half_open_success_threshold=half_open_success_threshold,
        )

    def status(self) -> BreakerStatus:
        """The shared state as stored (or the initial state when nothing was stored yet)."""
        return self._store.load(self.key) or self._initial

    def allow_request(self) -> bool:
        """False while OPEN; once the timeout has elapsed the breaker turns HALF_OPEN and admits trials."""
        return self._apply(transitions.on_allow).state is not BreakerState.OPEN

    def record_success(self) -> BreakerStatus:
        return self._apply(transitions.on_success)

    def record_failure(self) -> BreakerStatus:
        return self._apply(transitions.on_failure)

    def call(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn`` through the breaker: refuse while OPEN, count an exception as a failure, re-raise."""
        if not self.allow_request():
            raise CircuitOpenError(self.status())
        try:
            result = fn(*args, **kwargs)
        except Exception:
            self.record_failure()
            raise
        self.record_success()
        return result

    def adjust_thresholds_based_on_traffic(self, current_qps: float) -> BreakerStatus:
        """The adaptive threshold rule: record the observed QPS and the failure threshold it implies."""
        if current_qps < 0:
            raise ValueError("QPS cannot be negative")
        return self._apply(lambda status, _now: transitions.on_traffic(status, float(current_qps)))

    def set_thresholds(
        self,
        *,
        failure_threshold: int | None = None,
        open_timeout_s: float | None = None,
        half_open_success_threshold: int | None = None,
    ) -> BreakerStatus:
        """Change the stored thresholds for every container sharing this breaker."""
        return self._apply(
            lambda status, _now: transitions.with_thresholds(
                status,
                failure_threshold=failure_threshold,
                open_timeout_s=open_timeout_s,
                half_open_success_threshold=half_open_success_threshold,
            )
        )

    def _apply(self, transition: Transition) -> BreakerStatus:
        for attempt in range(MAX_ATTEMPTS):
            stored = self._store.load(self.key)
            current = stored or self._initial
            now = self._clock()
            updated = transition(current, now)
            if updated is current and stored is not None:
                return current
            updated = updated.model_copy(update={"updated_at": now, "version": current.version + 1})
            if self._store.save_if_version(updated, current.version):
                return updated
            _backoff(attempt)
        raise BreakerStoreError(f"breaker {self.key!r}: gave up after {MAX_ATTEMPTS} conflicting writes")


def _backoff(attempt: int) -> None:
    """Full-jitter exponential backoff so containers that collided do not collide again in lockstep."""
    cap = min(MAX_BACKOFF_S, 0.002 * 2**attempt)
    time.sleep(cap * secrets.randbelow(1000) / 1000)
