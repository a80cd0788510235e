"""The fault switch: each mode answers as the service does, counts, predicates and the control endpoint."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from devstack import faults
from devstack.stack import LOCAL_BOT_TOKEN

ONCE = Config(retries={"total_max_attempts": 1})
ITEM = {"pk": {"S": "p"}, "sk": {"S": "s"}}


def table(name: str = "faults") -> Any:
    ddb = boto3.client("dynamodb", config=ONCE)
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def test_aws_error_and_throttle_answer_in_the_service_shape(stack: Any) -> None:
    ddb = table()
    with faults.inject("dynamodb", "PutItem", "error") as fault, pytest.raises(ClientError) as error:
        ddb.put_item(TableName="faults", Item=ITEM)
    assert error.value.response["Error"]["Code"] == "InternalServerError" and fault.hits == 1
    assert "Item" not in ddb.get_item(TableName="faults", Key=ITEM)  # nothing executed
    with faults.inject("dynamodb", "PutItem", "throttle"), pytest.raises(ClientError) as error:
        ddb.put_item(TableName="faults", Item=ITEM)
    assert error.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    lam = boto3.client("lambda", config=ONCE)
    with faults.inject("lambda", "GetFunctionConfiguration", "throttle"), pytest.raises(ClientError) as error:
        lam.get_function_configuration(FunctionName="anything")
    assert error.value.response["Error"]["Code"] == "TooManyRequestsException"
    with faults.inject("cloudwatch", "*", "error"), pytest.raises(ClientError) as error:
        boto3.client("cloudwatch", config=ONCE).describe_alarms()
    assert error.value.response["Error"]["Code"] == "InternalFailure"
    ddb.put_item(TableName="faults", Item=ITEM)  # spent: the next call is served
    assert [f.mode for f in faults.FAULTS.fired] == ["error", "throttle", "throttle", "error"]


def test_reset_after_success_executes_then_drops(stack: Any) -> None:
    ddb = table()
    with faults.inject("dynamodb", "PutItem", "reset_after_success"), pytest.raises(ConnectionClosedError):
        ddb.put_item(TableName="faults", Item=ITEM)
    assert "Item" in ddb.get_item(TableName="faults", Key=ITEM)


def test_predicate_picks_the_calls(stack: Any) -> None:
    ddb = table()
    where = {"TableName": "faults", "Item.state.S": "applied"}
    with faults.inject("dynamodb", "PutItem", "error", times=None, where=where) as fault:
        ddb.put_item(TableName="faults", Item={**ITEM, "state": {"S": "applying"}})
        for _ in range(2):
            with pytest.raises(ClientError):
                ddb.put_item(TableName="faults", Item={**ITEM, "state": {"S": "applied"}})
        assert fault.hits == 2
    with faults.inject("dynamodb", "*", "error", when=lambda r: r.operation == "GetItem") as fault:
        ddb.put_item(TableName="faults", Item=ITEM)
        with pytest.raises(ClientError):
            ddb.get_item(TableName="faults", Key=ITEM)


def test_slack_faults_are_not_refusals(stack: Any) -> None:
    client = WebClient(token=LOCAL_BOT_TOKEN, base_url=stack.slack.api_url, retry_handlers=[])
    with faults.inject("slack", "chat.postMessage", "error"), pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="#perf-alerts", text="hi")
    assert error.value.response.status_code == 500 and stack.slack.messages("#perf-alerts") == []
    with faults.inject("slack", "chat.postMessage", "throttle", retry_after_s=3), pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="#perf-alerts", text="hi")
    assert error.value.response.status_code == 429 and error.value.response.headers["Retry-After"] == "3"
    with faults.inject("slack", "chat.postMessage", "reset_after_success"), pytest.raises(Exception):  # noqa: B017
        client.chat_postMessage(channel="#perf-alerts", text="hi")
    assert [m.text for m in stack.slack.messages("#perf-alerts")] == ["hi"]
    assert stack.slack.refusals == []


def test_control_endpoint_and_cli_spec(stack: Any) -> None:
    body = json.dumps({"service": "slack", "operation": "chat.update", "mode": "error", "times": None}).encode()
    request = urllib.request.Request(stack.aws.endpoint_url + faults.CONTROL_PATH, data=body, method="POST")
    assert json.loads(urllib.request.urlopen(request).read())["ok"]
    listed = json.loads(urllib.request.urlopen(stack.slack.api_url.removesuffix("api/") + "_devstack/faults").read())
    assert [(f["operation"], f["mode"], f["times"]) for f in listed["faults"]] == [("chat.update", "error", None)]
    clear = urllib.request.Request(stack.aws.endpoint_url + faults.CONTROL_PATH, method="DELETE")
    assert json.loads(urllib.request.urlopen(clear).read())["faults"] == []
    assert faults.FAULTS.active == []
    spec = faults.Fault.parse("dynamodb:PutItem=latency@0.2*always")
    assert (spec.service, spec.operation, spec.mode, spec.times, spec.delay_s) == (
        "dynamodb",
        "PutItem",
        "latency",
        None,
        0.2,
    )
    assert faults.Fault.parse("slack:chat.update=error*3").times == 3
