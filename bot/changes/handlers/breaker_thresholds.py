"""Circuit-breaker thresholds: the shared breaker record in the state table, changed through bot.breaker."""

from __future__ import annotations

from bot.analysis.models import Values
from bot.breaker import AdaptiveCircuitBreaker, BreakerStore, DynamoBreakerStore
from bot.breaker.models import BreakerStatus
from bot.changes.handlers.base import ChangeHandler, InvalidChange, as_int


class BreakerThresholdsHandler(ChangeHandler):
    kind = "breaker_thresholds"

    def __init__(self, store: BreakerStore | None = None) -> None:
        if store is None:
            from bot.settings import get_settings

            store = DynamoBreakerStore(get_settings().tables.state)
        self._store = store

    def read_current(self, target: str) -> Values:
        status = self._store.load(target) or BreakerStatus(key=target)
        return {
            "failure_threshold": status.failure_threshold,
            "open_timeout_s": status.open_timeout_s,
            "half_open_success_threshold": status.half_open_success_threshold,
        }

    def validate(self, target: str, after: Values) -> None:
        if "failure_threshold" in after:
            as_int(after, "failure_threshold", low=1, high=1000)
        if "half_open_success_threshold" in after:
            as_int(after, "half_open_success_threshold", low=1, high=100)
        timeout = after.get("open_timeout_s")
        if timeout is not None and (isinstance(timeout, bool | str) or not 0 <= float(timeout) <= 3600):
            raise InvalidChange(f"open_timeout_s must be between 0 and 3600 seconds, got {timeout!r}")
        if not after:
            raise InvalidChange("no breaker threshold given")

    def apply(self, target: str, after: Values) -> list[str]:
        timeout = after.get("open_timeout_s")
        AdaptiveCircuitBreaker(target, self._store).set_thresholds(
            failure_threshold=int(after["failure_threshold"]) if "failure_threshold" in after else None,
            open_timeout_s=float(timeout) if timeout is not None and not isinstance(timeout, str) else None,
            half_open_success_threshold=(
                int(after["half_open_success_threshold"]) if "half_open_success_threshold" in after else None
            ),
        )
        return []  # a conditional DynamoDB write inside bot.breaker; no separate AWS request to record

    def wait_until_done(self, target: str) -> None:
        """The breaker record is written synchronously."""
