"""Provisioned concurrency on an alias or published version (never $LATEST); 0 units = no config."""

from __future__ import annotations

import time

from bot.analysis.models import Values
from bot.aws.clients import AwsError
from bot.aws.lambda_ import LambdaGateway
from bot.changes.handlers.base import ChangeHandler, InvalidChange, as_int, split_qualified

POLL_S = 1.0
TIMEOUT_S = 900.0  # allocation takes minutes on AWS


class ProvisionedConcurrencyHandler(ChangeHandler):
    kind = "lambda_provisioned_concurrency"

    def __init__(self, gateway: LambdaGateway | None = None) -> None:
        self._lambda = gateway or LambdaGateway()

    def read_current(self, target: str) -> Values:
        name, qualifier = self._split(target)
        return {"units": self._lambda.get_provisioned_concurrency(name, qualifier) or 0}

    def validate(self, target: str, after: Values) -> None:
        name, _ = self._split(target)
        units = as_int(after, "units", low=0)
        reserved = self._lambda.get_function_concurrency(name)
        if reserved is not None and units > reserved:
            raise InvalidChange(f"{units} provisioned units exceed {name}'s reserved concurrency of {reserved}")

    def apply(self, target: str, after: Values) -> list[str]:
        name, qualifier = self._split(target)
        units = as_int(after, "units", low=0)
        if units == 0:
            return [self._lambda.delete_provisioned_concurrency(name, qualifier)]
        return [self._lambda.put_provisioned_concurrency(name, qualifier, units)]

    def wait_until_done(self, target: str) -> None:
        name, qualifier = self._split(target)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            status = self._lambda.provisioned_concurrency_status(name, qualifier)
            if status is None or status[0] == "READY":
                return
            if status[0] == "FAILED":
                raise AwsError(f"provisioned concurrency on {target} failed: {status[1]}", code="FAILED")
            if time.monotonic() > deadline:
                raise AwsError(f"provisioned concurrency on {target} still {status[0]} after {TIMEOUT_S:.0f} s")
            time.sleep(POLL_S)

    @staticmethod
    def _split(target: str) -> tuple[str, str]:
        name, qualifier = split_qualified(target)
        if not qualifier or qualifier.upper() == "$LATEST":
            raise InvalidChange(f"provisioned concurrency needs an alias or published version, not {target!r}")
        return name, qualifier
