"""The breaker's state machine as pure functions: (status, now) -> new status.

Keeping the rules free of I/O lets the breaker retry a transition on a version conflict by re-applying it to
the freshly read record. A function returns its input unchanged (the same object) when nothing changes, so the
caller can skip the write entirely — the common CLOSED-and-healthy path costs one read and no write.
"""

from __future__ import annotations

from bot.breaker.models import MAX_RECOVERIES, BreakerState, BreakerStatus, adaptive_threshold


def _open(status: BreakerStatus, now: float, failure_count: int) -> BreakerStatus:
    return status.model_copy(
        update={
            "state": BreakerState.OPEN,
            "failure_count": failure_count,
            "tripped_at": status.tripped_at if status.tripped_at is not None else now,
            "opened_at": now,
            "half_open_at": now + status.open_timeout_s,
            "half_open_successes": 0,
            "trips": status.trips + 1,
        }
    )


def on_allow(status: BreakerStatus, now: float) -> BreakerStatus:
    """An OPEN breaker past its timeout moves to HALF_OPEN so trial calls can probe the dependency."""
    if status.state is BreakerState.OPEN and status.half_open_at is not None and now >= status.half_open_at:
        return status.model_copy(update={"state": BreakerState.HALF_OPEN, "half_open_successes": 0})
    return status


def on_failure(status: BreakerStatus, now: float) -> BreakerStatus:
    """Count the failure; trip at the effective threshold; a half-open failure re-opens for a full timeout."""
    failures = status.failure_count + 1
    if status.state is BreakerState.HALF_OPEN:
        return _open(status, now, failures)
    if status.state is BreakerState.CLOSED and failures >= status.effective_threshold:
        return _open(status, now, failures)
    # OPEN: a call admitted before the trip failed late; counted, but the open episode keeps its start.
    return status.model_copy(update={"failure_count": failures})


def on_success(status: BreakerStatus, now: float) -> BreakerStatus:
    """Successes reset the consecutive-failure count; enough half-open successes close and record recovery."""
    if status.state is BreakerState.CLOSED:
        return status.model_copy(update={"failure_count": 0}) if status.failure_count else status
    if status.state is BreakerState.OPEN:
        return status  # a late success of a call admitted before the trip proves nothing about recovery
    successes = status.half_open_successes + 1
    if successes < status.half_open_success_threshold:
        return status.model_copy(update={"half_open_successes": successes})
    started = status.tripped_at if status.tripped_at is not None else status.opened_at or now
    recovery_s = round(max(0.0, now - started), 3)
    return status.model_copy(
        update={
            "state": BreakerState.CLOSED,
            "failure_count": 0,
            "tripped_at": None,
            "opened_at": None,
            "half_open_at": None,
            "half_open_successes": 0,
            "last_recovery_s": recovery_s,
            "recoveries": [*status.recoveries, recovery_s][-MAX_RECOVERIES:],
        }
    )


def on_traffic(status: BreakerStatus, qps: float) -> BreakerStatus:
    """Record the observed QPS and the threshold the adaptive threshold rule derives from it."""
    threshold = adaptive_threshold(qps)
    if status.current_qps == qps and status.adaptive_threshold == threshold:
        return status
    return status.model_copy(update={"current_qps": qps, "adaptive_threshold": threshold})


def with_thresholds(
    status: BreakerStatus,
    *,
    failure_threshold: int | None = None,
    open_timeout_s: float | None = None,
    half_open_success_threshold: int | None = None,
) -> BreakerStatus:
    """Replace the configured thresholds (a tuning change applied centrally reaches every container)."""
    update: dict[str, object] = {}
    if failure_threshold is not None and failure_threshold != status.failure_threshold:
        update["failure_threshold"] = failure_threshold
    if open_timeout_s is not None and open_timeout_s != status.open_timeout_s:
        update["open_timeout_s"] = open_timeout_s
        if status.opened_at is not None:
            update["half_open_at"] = status.opened_at + open_timeout_s
    successes = half_open_success_threshold
    if successes is not None and successes != status.half_open_success_threshold:
        update["half_open_success_threshold"] = successes
    return status.model_copy(update=update) if update else status
