"""Adaptive circuit breaker with state shared across containers (DynamoDB, optimistic locking).

Typical use in a monitored service::

    breaker = AdaptiveCircuitBreaker("monitoring-api", DynamoBreakerStore("perfbot-dev-state"))
    breaker.adjust_thresholds_based_on_traffic(current_qps)
    result = breaker.call(query_downstream, request)
"""

from __future__ import annotations

from bot.breaker.core import AdaptiveCircuitBreaker
from bot.breaker.errors import BreakerStoreError, CircuitOpenError
from bot.breaker.models import BreakerState, BreakerStatus, adaptive_threshold
from bot.breaker.store import BreakerStore, DynamoBreakerStore, InMemoryBreakerStore

__all__ = [
    "AdaptiveCircuitBreaker",
    "BreakerState",
    "BreakerStatus",
    "BreakerStore",
    "BreakerStoreError",
    "CircuitOpenError",
    "DynamoBreakerStore",
    "InMemoryBreakerStore",
    "adaptive_threshold",
]
