"""Change handlers by kind — all the same shape (:class:`ChangeHandler`), so the orchestrator is kind-agnostic."""

from __future__ import annotations

from collections.abc import Callable

from bot.changes.handlers.base import ChangeHandler, InvalidChange


def _factories() -> dict[str, Callable[[], ChangeHandler]]:
    from bot.changes.handlers.apigw_cache import ApiGatewayCacheHandler
    from bot.changes.handlers.apigw_throttling import ApiGatewayThrottlingHandler
    from bot.changes.handlers.breaker_thresholds import BreakerThresholdsHandler
    from bot.changes.handlers.dynamodb_capacity import DynamoDbCapacityHandler
    from bot.changes.handlers.lambda_memory import LambdaMemoryHandler
    from bot.changes.handlers.lambda_provisioned_concurrency import ProvisionedConcurrencyHandler

    return {
        "lambda_memory": LambdaMemoryHandler,
        "lambda_provisioned_concurrency": ProvisionedConcurrencyHandler,
        "apigw_cache": ApiGatewayCacheHandler,
        "apigw_throttling": ApiGatewayThrottlingHandler,
        "dynamodb_capacity": DynamoDbCapacityHandler,
        "breaker_thresholds": BreakerThresholdsHandler,
    }


def handler_for(kind: str) -> ChangeHandler:
    factory = _factories().get(kind)
    if factory is None:
        raise InvalidChange(f"no change handler for kind {kind!r}")
    return factory()


__all__ = ["ChangeHandler", "InvalidChange", "handler_for"]
