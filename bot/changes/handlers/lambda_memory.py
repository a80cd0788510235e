"""Lambda memory: UpdateFunctionConfiguration(MemorySize), then the function_updated_v2 waiter."""

from __future__ import annotations

from bot.analysis.models import Values
from bot.aws.lambda_ import LambdaGateway
from bot.changes.handlers.base import ChangeHandler, as_int, split_qualified

MIN_MB, MAX_MB = 128, 10_240  # Lambda's documented range; botocore itself accepts more


class LambdaMemoryHandler(ChangeHandler):
    kind = "lambda_memory"

    def __init__(self, gateway: LambdaGateway | None = None) -> None:
        self._lambda = gateway or LambdaGateway()

    def read_current(self, target: str) -> Values:
        name, _ = split_qualified(target)  # memory belongs to the function, not to an alias
        return {"memory_mb": self._lambda.get_function_configuration(name).memory_mb}

    def validate(self, target: str, after: Values) -> None:
        as_int(after, "memory_mb", low=MIN_MB, high=MAX_MB)

    def apply(self, target: str, after: Values) -> list[str]:
        name, _ = split_qualified(target)
        return [self._lambda.update_memory(name, as_int(after, "memory_mb", low=MIN_MB, high=MAX_MB))]

    def wait_until_done(self, target: str) -> None:
        self._lambda.wait_function_updated(split_qualified(target)[0])
