"""Create the monitored resources change tests act on (the seed's names) directly with boto3 in the devstack."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3

FUNCTION = "monitoring-api-dev"
ALIAS = "live"
API = "monitoring-api"
STAGE = "dev"
TABLE = "ApplicationMetrics-dev"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {'statusCode': 200}\n")
    return buffer.getvalue()


def create_function(memory_mb: int = 1024) -> dict[str, Any]:
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="monitoring-api-role",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    aws_lambda = boto3.client("lambda")
    aws_lambda.create_function(
        FunctionName=FUNCTION,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _zip()},
        MemorySize=memory_mb,
    )
    version = aws_lambda.publish_version(FunctionName=FUNCTION)["Version"]
    aws_lambda.create_alias(FunctionName=FUNCTION, Name=ALIAS, FunctionVersion=version)
    return {"function": FUNCTION, "version": version}


def create_api() -> str:
    """The monitored REST API, with the id perfbot.yml configures (moto takes it from the ``_custom_id_`` tag)."""
    from bot.settings import get_settings

    (configured,) = [s.api.id for s in get_settings().services if s.api and s.api.name == API]
    apigw = boto3.client("apigateway")
    api_id = apigw.create_rest_api(name=API, tags={"_custom_id_": configured} if configured else {})["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    deployment = apigw.create_deployment(restApiId=api_id)["id"]
    apigw.create_stage(restApiId=api_id, stageName=STAGE, deploymentId=deployment)
    return str(api_id)


def create_table(read: int = 50, write: int = 25) -> None:
    boto3.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "ServiceName", "KeyType": "HASH"},
            {"AttributeName": "Timestamp", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "ServiceName", "AttributeType": "S"},
            {"AttributeName": "Timestamp", "AttributeType": "N"},
        ],
        ProvisionedThroughput={"ReadCapacityUnits": read, "WriteCapacityUnits": write},
    )


def memory_of(function: str = FUNCTION) -> int:
    return int(boto3.client("lambda").get_function_configuration(FunctionName=function)["MemorySize"])
