"""Application Auto Scaling in moto as strict as the service for scheduled provisioned concurrency.

moto accepts a scheduled action on a resource nobody registered, deletes an action that does not exist without a
word, and registers a Lambda target for any name. Application Auto Scaling refuses all three:

- PutScheduledAction needs a registered scalable target: ObjectNotFoundException otherwise;
- DeleteScheduledAction of an action that does not exist: ObjectNotFoundException;
- RegisterScalableTarget of ``function:<name>:<qualifier>`` needs the function and its alias or version, never
  ``$LATEST`` nor an alias on it (ValidationException).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.core.exceptions import JsonRESTError

_MARK = "__perfbot_strict__"


class ObjectNotFound(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ObjectNotFoundException", message)


def _target_needed(original: Callable[..., None]) -> Callable[..., None]:
    def put_scheduled_action(self: ApplicationAutoscalingBackend, **kwargs: Any) -> None:
        resource_id, dimension = kwargs["resource_id"], kwargs["scalable_dimension"]
        if not self._scalable_target_exists(resource_id, dimension):
            raise ObjectNotFound(
                f"No scalable target registered for service namespace: {kwargs['service_namespace']}, resource ID: "
                f"{resource_id}, scalable dimension: {dimension}"
            )
        original(self, **kwargs)

    setattr(put_scheduled_action, _MARK, True)
    return put_scheduled_action


def _action_needed(original: Callable[..., None]) -> Callable[..., None]:
    def delete_scheduled_action(self: ApplicationAutoscalingBackend, **kwargs: Any) -> None:
        wanted = (
            kwargs["service_namespace"],
            kwargs["scheduled_action_name"],
            kwargs["resource_id"],
            kwargs["scalable_dimension"],
        )
        if not any(
            (a.service_namespace, a.scheduled_action_name, a.resource_id, a.scalable_dimension) == wanted
            for a in self.scheduled_actions
        ):
            raise ObjectNotFound(f"No scheduled action {wanted[1]} on {wanted[2]} ({wanted[0]})")
        original(self, **kwargs)

    setattr(delete_scheduled_action, _MARK, True)
    return delete_scheduled_action


def _lambda_target_checked(original: Callable[..., Any]) -> Callable[..., Any]:
    def register_scalable_target(
        self: ApplicationAutoscalingBackend, namespace: str, r_id: str, dimension: str, *args: Any, **kwargs: Any
    ) -> Any:
        if namespace == "lambda":
            _check_lambda_target(self, r_id)
        return original(self, namespace, r_id, dimension, *args, **kwargs)

    setattr(register_scalable_target, _MARK, True)
    return register_scalable_target


def _check_lambda_target(backend: ApplicationAutoscalingBackend, resource_id: str) -> None:
    from moto.awslambda.models import lambda_backends

    parts = resource_id.split(":")
    if len(parts) != 3 or parts[0] != "function" or not parts[2] or parts[2].upper() == "$LATEST":
        raise AWSValidationException(
            f"Unsupported resource ID {resource_id}: use function:<name>:<alias or version>, never $LATEST"
        )
    lambdas = lambda_backends[backend.account_id][backend.region_name]
    try:
        if parts[2].isdigit():
            lambdas.get_function(parts[1], parts[2])
            version = parts[2]
        else:
            version = str(lambdas.get_alias(parts[2], parts[1]).function_version)
    except Exception as exc:
        raise AWSValidationException(f"Lambda function {parts[1]}:{parts[2]} does not exist") from exc
    if version.upper() == "$LATEST":
        raise AWSValidationException(f"Alias {parts[2]} points at $LATEST, which cannot have provisioned concurrency")


def apply() -> None:
    cls = ApplicationAutoscalingBackend
    if not getattr(cls.put_scheduled_action, _MARK, False):
        cls.put_scheduled_action = _target_needed(cls.put_scheduled_action)  # type: ignore[method-assign]
    if not getattr(cls.delete_scheduled_action, _MARK, False):
        cls.delete_scheduled_action = _action_needed(cls.delete_scheduled_action)  # type: ignore[method-assign]
    if not getattr(cls.register_scalable_target, _MARK, False):
        cls.register_scalable_target = _lambda_target_checked(cls.register_scalable_target)  # type: ignore[method-assign]
