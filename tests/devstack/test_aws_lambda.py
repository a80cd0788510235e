"""Lambda provisioned concurrency on the embedded AWS, through boto3's REST calls."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

FUNCTION = "monitoring-api-dev"


@pytest.fixture
def function(lambda_client: Any) -> str:
    """A function with published version 1, alias `live` -> 1 and alias `latest` -> $LATEST."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = boto3.client("iam").create_role(RoleName="perfbot-test", AssumeRolePolicyDocument=json.dumps(trust))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    lambda_client.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="handler.handler",
        Code={"ZipFile": code.getvalue()},
    )
    version = lambda_client.publish_version(FunctionName=FUNCTION)["Version"]
    lambda_client.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)
    lambda_client.create_alias(FunctionName=FUNCTION, Name="latest", FunctionVersion="$LATEST")
    return FUNCTION


def error(err: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = err.value.response
    return str(response["Error"]["Code"]), int(response["ResponseMetadata"]["HTTPStatusCode"])


def test_put_get_list_delete(lambda_client: Any, function: str) -> None:
    put = lambda_client.put_provisioned_concurrency_config(
        FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=3
    )
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert put["RequestedProvisionedConcurrentExecutions"] == 3
    assert put["Status"] == "READY"
    assert put["LastModified"]

    got = lambda_client.get_provisioned_concurrency_config(FunctionName=function, Qualifier="live")
    assert got["RequestedProvisionedConcurrentExecutions"] == 3
    assert got["AllocatedProvisionedConcurrentExecutions"] == 3
    assert got["AvailableProvisionedConcurrentExecutions"] == 3

    lambda_client.put_provisioned_concurrency_config(
        FunctionName=function, Qualifier="1", ProvisionedConcurrentExecutions=2
    )
    listed = lambda_client.list_provisioned_concurrency_configs(FunctionName=function)["ProvisionedConcurrencyConfigs"]
    assert sorted(
        (c["FunctionArn"].rsplit(":", 1)[-1], c["RequestedProvisionedConcurrentExecutions"]) for c in listed
    ) == [
        ("1", 2),
        ("live", 3),
    ]

    deleted = lambda_client.delete_provisioned_concurrency_config(FunctionName=function, Qualifier="live")
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as err:
        lambda_client.get_provisioned_concurrency_config(FunctionName=function, Qualifier="live")
    assert error(err) == ("ProvisionedConcurrencyConfigNotFoundException", 404)
    assert isinstance(err.value, lambda_client.exceptions.ProvisionedConcurrencyConfigNotFoundException)


def test_put_updates_an_existing_config(lambda_client: Any, function: str) -> None:
    for units in (2, 5):
        lambda_client.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=units
        )
    got = lambda_client.get_provisioned_concurrency_config(FunctionName=function, Qualifier="live")
    assert got["RequestedProvisionedConcurrentExecutions"] == 5
    assert (
        len(lambda_client.list_provisioned_concurrency_configs(FunctionName=function)["ProvisionedConcurrencyConfigs"])
        == 1
    )


@pytest.mark.parametrize("qualifier", ["$LATEST", "latest"])
def test_unpublished_versions_are_rejected(lambda_client: Any, function: str, qualifier: str) -> None:
    with pytest.raises(ClientError) as err:
        lambda_client.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier=qualifier, ProvisionedConcurrentExecutions=1
        )
    assert error(err) == ("InvalidParameterValueException", 400)
    assert "unpublished" in err.value.response["Error"]["Message"]


def test_missing_qualifier_and_function(lambda_client: Any, function: str) -> None:
    with pytest.raises(ClientError) as err:
        lambda_client.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="42", ProvisionedConcurrentExecutions=1
        )
    assert error(err) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as err:
        lambda_client.get_provisioned_concurrency_config(FunctionName="no-such-function", Qualifier="1")
    assert error(err) == ("ResourceNotFoundException", 404)


def test_units_may_not_exceed_reserved_concurrency(lambda_client: Any, function: str) -> None:
    lambda_client.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=5)
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=5
    )
    with pytest.raises(ClientError) as err:
        lambda_client.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="1", ProvisionedConcurrentExecutions=1
        )
    assert error(err) == ("InvalidParameterValueException", 400)
    assert "reserved" in err.value.response["Error"]["Message"].lower()
    with pytest.raises(ClientError):
        lambda_client.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=6
        )


def test_reset_wipes_configs(devstack_aws: Any, lambda_client: Any, function: str) -> None:
    lambda_client.put_provisioned_concurrency_config(
        FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    devstack_aws.reset()
    with pytest.raises(ClientError) as err:
        lambda_client.list_provisioned_concurrency_configs(FunctionName=function)
    assert error(err) == ("ResourceNotFoundException", 404)


def test_units_below_one_rejected_by_the_server(devstack_aws: Any, function: str) -> None:
    unchecked = boto3.client("lambda", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as err:
        unchecked.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=0
        )
    assert error(err) == ("ValidationException", 400)
