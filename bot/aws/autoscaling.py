"""Application Auto Scaling gateway: scalable targets and scheduled actions (scheduled provisioned concurrency).

Typed out as plain values; botocore errors become :class:`bot.aws.AwsError` here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.aws.clients import AwsError, client, failing_as

LAMBDA = "lambda"
LAMBDA_PROVISIONED_CONCURRENCY = "lambda:function:ProvisionedConcurrency"


def lambda_resource_id(function: str, alias: str) -> str:
    """``function:<name>:<alias>``: how Application Auto Scaling names a function alias."""
    return f"function:{function}:{alias}"


@dataclass(frozen=True)
class ScheduledAction:
    name: str
    schedule: str  # cron(…), rate(…) or at(…)
    min_capacity: int | None
    max_capacity: int | None
    timezone: str = "UTC"


@dataclass(frozen=True)
class ScalableTarget:
    min_capacity: int
    max_capacity: int


def _request_id(answer: dict[str, Any]) -> str:
    return str(answer.get("ResponseMetadata", {}).get("RequestId", ""))


class ApplicationAutoScalingGateway:
    def __init__(self, region: str | None = None) -> None:
        self._client = client("application-autoscaling", region)

    def scalable_target(self, namespace: str, resource_id: str, dimension: str) -> ScalableTarget | None:
        with failing_as("DescribeScalableTargets"):
            answer = self._client.describe_scalable_targets(
                ServiceNamespace=namespace, ResourceIds=[resource_id], ScalableDimension=dimension
            )
        targets = answer.get("ScalableTargets") or []
        if not targets:
            return None
        return ScalableTarget(int(targets[0]["MinCapacity"]), int(targets[0]["MaxCapacity"]))

    def register_scalable_target(
        self, namespace: str, resource_id: str, dimension: str, min_capacity: int, max_capacity: int
    ) -> str:
        with failing_as("RegisterScalableTarget"):
            answer = self._client.register_scalable_target(
                ServiceNamespace=namespace,
                ResourceId=resource_id,
                ScalableDimension=dimension,
                MinCapacity=int(min_capacity),
                MaxCapacity=int(max_capacity),
            )
        return _request_id(answer)

    def scheduled_actions(self, namespace: str, resource_id: str, dimension: str) -> list[ScheduledAction]:
        actions: list[ScheduledAction] = []
        request: dict[str, Any] = {
            "ServiceNamespace": namespace,
            "ResourceId": resource_id,
            "ScalableDimension": dimension,
        }
        with failing_as("DescribeScheduledActions"):
            while True:
                page = self._client.describe_scheduled_actions(**request)
                for raw in page.get("ScheduledActions", []):
                    target = raw.get("ScalableTargetAction") or {}
                    actions.append(
                        ScheduledAction(
                            name=str(raw["ScheduledActionName"]),
                            schedule=str(raw.get("Schedule", "")),
                            min_capacity=int(target["MinCapacity"]) if "MinCapacity" in target else None,
                            max_capacity=int(target["MaxCapacity"]) if "MaxCapacity" in target else None,
                            timezone=str(raw.get("Timezone") or "UTC"),
                        )
                    )
                token = page.get("NextToken")
                if not token:
                    return actions
                request["NextToken"] = token

    def put_scheduled_action(self, namespace: str, resource_id: str, dimension: str, action: ScheduledAction) -> str:
        target: dict[str, int] = {}
        if action.min_capacity is not None:
            target["MinCapacity"] = int(action.min_capacity)
        if action.max_capacity is not None:
            target["MaxCapacity"] = int(action.max_capacity)
        with failing_as(f"PutScheduledAction {action.name}"):
            answer = self._client.put_scheduled_action(
                ServiceNamespace=namespace,
                ResourceId=resource_id,
                ScalableDimension=dimension,
                ScheduledActionName=action.name,
                Schedule=action.schedule,
                Timezone=action.timezone,
                ScalableTargetAction=target,
            )
        return _request_id(answer)

    def delete_scheduled_action(self, namespace: str, resource_id: str, dimension: str, name: str) -> str | None:
        """Delete one action; None when it did not exist (nothing to undo)."""
        try:
            with failing_as(f"DeleteScheduledAction {name}"):
                answer = self._client.delete_scheduled_action(
                    ServiceNamespace=namespace,
                    ResourceId=resource_id,
                    ScalableDimension=dimension,
                    ScheduledActionName=name,
                )
        except AwsError as error:
            if error.code == "ObjectNotFoundException":
                return None
            raise
        return _request_id(answer)
