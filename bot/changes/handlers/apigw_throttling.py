"""API Gateway stage throttling: stage-wide rate and burst limits (``/*/*/throttling/…``)."""

from __future__ import annotations

from bot.analysis.models import Values
from bot.changes.handlers.apigw_cache import StageHandler
from bot.changes.handlers.base import InvalidChange, as_int

ACCOUNT_RATE, ACCOUNT_BURST = 10_000.0, 5_000  # what applies when the stage sets no limit


class ApiGatewayThrottlingHandler(StageHandler):
    kind = "apigw_throttling"

    def read_current(self, target: str) -> Values:
        stage = self._apigw.get_stage(*self._api_id(target))
        return {
            "rate_limit": stage.throttle_rate if stage.throttle_rate is not None else ACCOUNT_RATE,
            "burst_limit": stage.throttle_burst if stage.throttle_burst is not None else ACCOUNT_BURST,
        }

    def validate(self, target: str, after: Values) -> None:
        rate = after.get("rate_limit")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= ACCOUNT_RATE:
            raise InvalidChange(f"rate_limit must be a number above 0 and at most {ACCOUNT_RATE:.0f}, got {rate!r}")
        as_int(after, "burst_limit", low=0, high=ACCOUNT_BURST)

    def apply(self, target: str, after: Values) -> list[str]:
        ops = [
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(float(after["rate_limit"]))},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(int(after["burst_limit"]))},
        ]
        return [self._apigw.update_stage(*self._api_id(target), ops)]

    def wait_until_done(self, target: str) -> None:
        """Stage updates take effect synchronously; nothing to wait for."""
