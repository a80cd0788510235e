"""The embedded AWS's speedups change nothing a client can see: same DynamoDB bytes, same routing, kept-alive HTTP."""

from __future__ import annotations

import http.client
import json
from typing import Any

import boto3
import pytest

from devstack.aws import EmbeddedAws

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


def test_every_attribute_type_round_trips_through_boto3(new_table: Any) -> None:
    client = new_table("kinds")
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


@pytest.fixture
def table(new_table: Any) -> Any:
    return new_table("speed")


def _error_code(call: Any) -> str:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_an_item_over_400_kb_is_still_refused_whole_and_one_just_under_is_stored(table: Any) -> None:
    chunk = "x" * 100_000
    too_big = {"pk": {"S": "big"}} | {f"part{i}": {"S": chunk} for i in range(5)}  # 500 KB over 5 attributes
    assert _error_code(lambda: table.put_item(TableName="speed", Item=too_big)) == "ValidationException"
    assert "Item" not in table.get_item(TableName="speed", Key={"pk": {"S": "big"}})

    fits = {"pk": {"S": "big"}} | {f"part{i}": {"S": chunk} for i in range(3)}
    table.put_item(TableName="speed", Item=fits)
    stored = table.get_item(TableName="speed", Key={"pk": {"S": "big"}})["Item"]
    assert sorted(stored) == ["part0", "part1", "part2", "pk"]


def test_the_same_condition_text_is_judged_on_each_requests_own_values(table: Any) -> None:
    condition = "attribute_not_exists(pk) OR #v < :v"
    for version, accepted in [(1, True), (2, True), (2, False), (1, False), (5, True)]:
        put = lambda v=version: table.put_item(  # noqa: E731
            TableName="speed",
            Item={"pk": {"S": "a"}, "v": {"N": str(v)}},
            ConditionExpression=condition,
            ExpressionAttributeNames={"#v": "v"},
            ExpressionAttributeValues={":v": {"N": str(v)}},
        )
        if accepted:
            put()
        else:
            assert _error_code(put) == "ConditionalCheckFailedException"
    assert table.get_item(TableName="speed", Key={"pk": {"S": "a"}})["Item"]["v"] == {"N": "5"}


def test_a_malformed_condition_is_refused_every_time_it_is_sent(table: Any) -> None:
    """moto answers an unparsable condition with an error (HTTP 500, as without the speedups); remembering the tokens
    of good expressions must not turn a bad one into an accepted write the second time."""
    from botocore.config import Config

    once = boto3.client("dynamodb", config=Config(retries={"max_attempts": 1}))
    for _ in range(2):
        _error_code(lambda: once.put_item(TableName="speed", Item={"pk": {"S": "a"}}, ConditionExpression="pk = = pk"))
    assert "Item" not in table.get_item(TableName="speed", Key={"pk": {"S": "a"}})


def test_update_expressions_still_apply_and_each_response_has_its_own_request_id(table: Any) -> None:
    ids = set()
    for _ in range(3):
        answer = table.update_item(
            TableName="speed",
            Key={"pk": {"S": "n"}},
            UpdateExpression="ADD #c :one SET #l = list_append(if_not_exists(#l, :empty), :x)",
            ExpressionAttributeNames={"#c": "count", "#l": "list"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":empty": {"L": []}, ":x": {"L": [{"S": "x"}]}},
            ReturnValues="ALL_NEW",
        )
        ids.add(answer["ResponseMetadata"]["RequestId"])
    assert answer["Attributes"]["count"] == {"N": "3"} and len(answer["Attributes"]["list"]["L"]) == 3
    assert len(ids) == 3 and all(len(i) == 52 and i.isalnum() for i in ids)
