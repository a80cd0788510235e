"""The embedded AWS's speedups change nothing a client can see: same DynamoDB bytes, same routing, kept-alive HTTP."""

from __future__ import annotations

import http.client
import json
from typing import Any

import boto3
import pytest

from bot.devstack.aws import EmbeddedAws

ITEM: dict[str, Any] = {
    "pk": {"S": "incident#API-HighLatency-P95"},
    "count": {"N": "3"},
    "ratio": {"N": "0.25"},
    "acked": {"BOOL": False},
    "gone": {"NULL": True},
    "tags": {"SS": ["a", "b"]},
    "sizes": {"NS": ["1", "2.5"]},
    "history": {"L": [{"L": [{"N": "1795723200.5"}, {"S": "ALARM"}]}, {"L": []}]},
    "view": {"M": {"title": {"S": "p95 <@here>"}, "nested": {"M": {"deep": {"BOOL": True}}}, "empty": {"M": {}}}},
    "blob": {"B": "aGVsbG8="},
    "blobs": {"BS": ["aGVsbG8=", "d29ybGQ="]},
}


def _serialize(operation: str, result: dict[str, Any]) -> Any:
    from moto.core.serialize import JSONSerializer, XFormedAttributePicker
    from moto.core.utils import get_service_model

    model = get_service_model("dynamodb").operation_model(operation)
    serializer = JSONSerializer(operation_model=model, value_picker=XFormedAttributePicker())
    return json.loads(serializer.serialize(result)["body"])


@pytest.mark.parametrize(
    ("operation", "result"),
    [
        ("GetItem", {"Item": ITEM}),
        ("BatchGetItem", {"Responses": {"state": [ITEM, {"pk": {"S": "x"}}]}, "UnprocessedKeys": {}}),
        ("Query", {"Items": [ITEM], "Count": 1, "ScannedCount": 1, "LastEvaluatedKey": {"pk": {"S": "x"}}}),
        ("UpdateItem", {"Attributes": {"next_at": {"N": "12.5"}}}),
    ],
)
def test_responses_are_byte_for_byte_what_motos_serializer_writes(
    embedded_aws_server: EmbeddedAws, monkeypatch: pytest.MonkeyPatch, operation: str, result: dict[str, Any]
) -> None:
    from moto.core.serialize import BaseJSONSerializer

    fast = _serialize(operation, result)
    original = BaseJSONSerializer._serialize_type_structure.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(BaseJSONSerializer, "_serialize_type_structure", original)

    assert fast == _serialize(operation, result)


def test_every_attribute_type_round_trips_through_boto3(devstack_aws: EmbeddedAws) -> None:
    client = boto3.client("dynamodb")
    client.create_table(
        TableName="kinds",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {k: v for k, v in ITEM.items() if k not in ("blob", "blobs")} | {
        "blob": {"B": b"\x00\xffhello"},
        "blobs": {"BS": [b"one", b"two"]},
    }
    client.put_item(TableName="kinds", Item=item)

    got = client.get_item(TableName="kinds", Key={"pk": item["pk"]}, ConsistentRead=True)["Item"]
    [batch] = client.batch_get_item(RequestItems={"kinds": {"Keys": [{"pk": item["pk"]}]}})["Responses"]["kinds"]

    expected = item | {"tags": {"SS": ["a", "b"]}, "blobs": {"BS": [b"one", b"two"]}}
    for answer in (got, batch):
        assert {k: v for k, v in answer.items() if k not in ("tags", "sizes", "blobs")} == {
            k: v for k, v in expected.items() if k not in ("tags", "sizes", "blobs")
        }
        assert sorted(answer["tags"]["SS"]) == ["a", "b"] and sorted(answer["sizes"]["NS"]) == ["1", "2.5"]
        assert sorted(answer["blobs"]["BS"]) == [b"one", b"two"]


def test_a_connection_carries_several_requests(devstack_aws: EmbeddedAws) -> None:
    connection = http.client.HTTPConnection(devstack_aws.host, devstack_aws.port, timeout=10)
    try:
        answers = []
        for _ in range(3):
            connection.request("GET", "/moto-api/data.json")
            response = connection.getresponse()
            answers.append((response.status, response.will_close, json.loads(response.read())))
            sock = connection.sock
            assert sock is not None
        assert [(status, closes) for status, closes, _ in answers] == [(200, False)] * 3
        assert connection.sock is sock  # the same TCP connection throughout
    finally:
        connection.close()


def test_a_chunked_request_is_answered_and_its_connection_closed(devstack_aws: EmbeddedAws) -> None:
    connection = http.client.HTTPConnection(devstack_aws.host, devstack_aws.port, timeout=10)
    try:
        connection.request("POST", "/moto-api/reset", body=iter([b""]), encode_chunked=True)
        response = connection.getresponse()
        response.read()
        assert response.status == 200 and response.will_close
    finally:
        connection.close()


def test_each_service_still_reaches_its_own_backend(devstack_aws: EmbeddedAws) -> None:
    boto3.client("dynamodb").list_tables()
    boto3.client("sns").create_topic(Name="routing-check")
    assert boto3.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in boto3.client("sns").list_topics()["Topics"]] == ["routing-check"]
