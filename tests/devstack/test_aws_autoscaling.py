"""Application Auto Scaling in the embedded AWS is as strict as the service for scheduled provisioned concurrency:
no scheduled action without a registered target, no delete of an action that does not exist, no Lambda target on
$LATEST or on a function that does not exist."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.devstack.test_aws_lambda import FUNCTION, function  # noqa: F401 — the fixture

LAMBDA, DIMENSION = "lambda", "lambda:function:ProvisionedConcurrency"
LIVE = f"function:{FUNCTION}:live"


@pytest.fixture
def scaling(function: str) -> Any:  # noqa: F811 — the imported fixture, used by name
    return boto3.client("application-autoscaling")


def put(scaling: Any, resource: str, name: str = "raise", units: int = 5) -> None:
    scaling.put_scheduled_action(
        ServiceNamespace=LAMBDA,
        ResourceId=resource,
        ScalableDimension=DIMENSION,
        ScheduledActionName=name,
        Schedule="cron(45 10 * * ? *)",
        ScalableTargetAction={"MinCapacity": units, "MaxCapacity": units},
    )


def code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_a_scheduled_action_needs_a_registered_target_and_reads_back(scaling: Any) -> None:
    assert code(lambda: put(scaling, LIVE)) == "ObjectNotFoundException"
    scaling.register_scalable_target(
        ServiceNamespace=LAMBDA, ResourceId=LIVE, ScalableDimension=DIMENSION, MinCapacity=0, MaxCapacity=5
    )
    put(scaling, LIVE)
    [action] = scaling.describe_scheduled_actions(ServiceNamespace=LAMBDA, ResourceId=LIVE)["ScheduledActions"]
    assert (action["Schedule"], action["ScalableTargetAction"]) == (
        "cron(45 10 * * ? *)",
        {"MinCapacity": 5, "MaxCapacity": 5},
    )


def test_deleting_an_action_that_does_not_exist_is_not_found(scaling: Any) -> None:
    def delete() -> None:
        scaling.delete_scheduled_action(
            ServiceNamespace=LAMBDA, ResourceId=LIVE, ScalableDimension=DIMENSION, ScheduledActionName="raise"
        )

    assert code(delete) == "ObjectNotFoundException"


@pytest.mark.parametrize(
    "resource", [f"function:{FUNCTION}:$LATEST", f"function:{FUNCTION}:latest", "function:nobody:live", FUNCTION]
)
def test_a_lambda_target_needs_an_alias_or_version_that_can_be_provisioned(scaling: Any, resource: str) -> None:
    def register() -> None:
        scaling.register_scalable_target(
            ServiceNamespace=LAMBDA, ResourceId=resource, ScalableDimension=DIMENSION, MinCapacity=0, MaxCapacity=5
        )

    assert code(register) == "ValidationException"
