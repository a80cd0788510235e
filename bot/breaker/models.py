"""The breaker's shared state as one typed record, and the adaptive threshold rule.

The record is what every container reads and conditionally writes; ``version`` is the optimistic-lock counter.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MAX_RECOVERIES = 20  # enough history for a recovery-time trend without growing the item without bound
HIGH_TRAFFIC_QPS = 100.0
LOW_TRAFFIC_QPS = 10.0


class BreakerState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


class BreakerStatus(BaseModel):
    """One breaker's state; times are epoch seconds, durations seconds."""

    model_config = ConfigDict(frozen=True)

    key: str
    state: BreakerState = BreakerState.CLOSED
    failure_count: int = 0
    failure_threshold: int = 5
    open_timeout_s: float = 60.0
    tripped_at: float | None = None  # when it left CLOSED; recovery time is measured from here
    opened_at: float | None = None  # the latest transition to OPEN (a half-open failure re-opens)
    half_open_at: float | None = None  # when the OPEN breaker becomes eligible for trial calls
    half_open_successes: int = 0
    half_open_success_threshold: int = 3
    trips: int = 0  # transitions into OPEN, ever
    last_recovery_s: float | None = None
    recoveries: list[float] = Field(default_factory=list)  # recent recovery durations, oldest first
    current_qps: float | None = None
    adaptive_threshold: int | None = None
    updated_at: float = 0.0
    version: int = 0

    @property
    def effective_threshold(self) -> int:
        """The threshold that trips the breaker: the traffic-adapted one once traffic was observed."""
        return self.adaptive_threshold if self.adaptive_threshold is not None else self.failure_threshold


def adaptive_threshold(qps: float) -> int:
    """The adaptive threshold rule: busy services tolerate more failures before tripping, quiet ones fewer."""
    if qps > HIGH_TRAFFIC_QPS:
        return 10
    if qps < LOW_TRAFFIC_QPS:
        return 3
    return 5
