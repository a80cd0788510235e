"""DynamoDB provisioned capacity: UpdateTable then wait for ACTIVE; with auto-scaling, its range moves too."""

from __future__ import annotations

from bot.analysis.models import Values
from bot.aws.dynamodb_admin import DynamoDbAdmin
from bot.changes.handlers.base import ChangeHandler, InvalidChange, as_int

MAX_DECREASES_A_DAY = 27
DIMENSIONS = {"read_units": "dynamodb:table:ReadCapacityUnits", "write_units": "dynamodb:table:WriteCapacityUnits"}


class DynamoDbCapacityHandler(ChangeHandler):
    kind = "dynamodb_capacity"

    def __init__(self, admin: DynamoDbAdmin | None = None) -> None:
        self._admin = admin or DynamoDbAdmin()

    def read_current(self, target: str) -> Values:
        capacity = self._admin.describe_capacity(target)
        return {"read_units": capacity.read_units, "write_units": capacity.write_units}

    def validate(self, target: str, after: Values) -> None:
        capacity = self._admin.describe_capacity(target)
        if capacity.billing_mode != "PROVISIONED":
            raise InvalidChange(f"{target} is on-demand ({capacity.billing_mode}); it has no capacity to change")
        read = as_int(after, "read_units", low=1)
        write = as_int(after, "write_units", low=1)
        decreasing = read < capacity.read_units or write < capacity.write_units
        if decreasing and capacity.decreases_today >= MAX_DECREASES_A_DAY:
            raise InvalidChange(f"{target} already had {MAX_DECREASES_A_DAY} capacity decreases today")

    def apply(self, target: str, after: Values) -> list[str]:
        read, write = as_int(after, "read_units", low=1), as_int(after, "write_units", low=1)
        request_ids = []
        for key, units in (("read_units", read), ("write_units", write)):
            scaling = self._admin.scalable_target(target, DIMENSIONS[key])
            if scaling is not None:  # otherwise auto-scaling would undo the change at its next evaluation
                high = max(int(scaling.get("MaxCapacity", units)), units)
                request_ids.append(self._admin.set_scalable_range(target, DIMENSIONS[key], units, high))
        current = self.read_current(target)
        if current != {"read_units": read, "write_units": write}:
            request_ids.append(self._admin.update_provisioned_throughput(target, read, write))
        return request_ids

    def wait_until_done(self, target: str) -> None:
        self._admin.wait_active(target)
