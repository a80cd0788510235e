"""DynamoDB gateway: items as plain Python dicts in, out; conditional writes report a clear ConditionFailed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.aws.clients import AwsError, client


class ConditionFailed(AwsError):
    """A conditional write lost (someone else changed the item first) — expected in races, never retried blindly."""


def _serializer() -> tuple[Any, Any]:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    return TypeSerializer(), TypeDeserializer()


def to_dynamo(value: Any) -> Any:
    """Floats become Decimals (DynamoDB has no float type); nested structures too."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value: Any) -> Any:
    """Decimals back to int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value


@dataclass(frozen=True)
class Conditional:
    """One put of a transaction: the item and the condition it is written under."""

    item: dict[str, Any]
    condition: str
    names: dict[str, str] | None = None
    values: dict[str, Any] | None = None


class Table:
    """One DynamoDB table through the low-level client (thread-safe, unlike boto3 resources)."""

    def __init__(self, name: str, region: str | None = None) -> None:
        self.name = name
        self._client = client("dynamodb", region)
        self._ser, self._de = _serializer()

    def _encode(self, item: dict[str, Any]) -> dict[str, Any]:
        return {k: self._ser.serialize(to_dynamo(v)) for k, v in item.items() if v is not None}

    def _decode(self, item: dict[str, Any]) -> dict[str, Any]:
        return {k: from_dynamo(self._de.deserialize(v)) for k, v in item.items()}

    def _values(self, values: dict[str, Any] | None) -> dict[str, Any] | None:
        return self._encode(values) if values else None

    def _call(self, action: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, action)(**{k: v for k, v in kwargs.items() if v is not None})
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
                raise ConditionFailed(f"{action} on {self.name}: condition failed", code=code) from exc
            raise AwsError.wrap(exc, f"{action} on {self.name}") from exc

    def get(self, key: dict[str, Any], *, consistent: bool = True) -> dict[str, Any] | None:
        answer = self._call("get_item", TableName=self.name, Key=self._encode(key), ConsistentRead=consistent)
        item = answer.get("Item")
        return self._decode(item) if item else None

    def put(
        self,
        item: dict[str, Any],
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        self._call(
            "put_item",
            TableName=self.name,
            Item=self._encode(item),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=self._values(values),
        )

    def update(
        self,
        key: dict[str, Any],
        expression: str,
        *,
        condition: str | None = None,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        answer = self._call(
            "update_item",
            TableName=self.name,
            Key=self._encode(key),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=self._values(values),
            ReturnValues="ALL_NEW",
        )
        return self._decode(answer.get("Attributes", {}))

    def put_all(self, writes: list[Conditional]) -> None:
        """Several conditional puts on this table as one TransactWriteItems (one round trip, all or nothing); raises
        ConditionFailed when any condition fails (nothing is written then)."""
        items = []
        for w in writes:
            put: dict[str, Any] = {
                "TableName": self.name,
                "Item": self._encode(w.item),
                "ConditionExpression": w.condition,
            }
            if w.names:
                put["ExpressionAttributeNames"] = w.names
            if w.values:
                put["ExpressionAttributeValues"] = self._encode(w.values)
            items.append({"Put": put})
        self._call("transact_write_items", TransactItems=items)

    def delete(self, key: dict[str, Any], *, condition: str | None = None) -> None:
        self._call("delete_item", TableName=self.name, Key=self._encode(key), ConditionExpression=condition)

    def query(
        self,
        key_condition: str,
        values: dict[str, Any],
        *,
        names: dict[str, str] | None = None,
        index: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        projection: str | None = None,
        filter_expression: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield matching items across pages (never a scan); ``limit`` caps the total yielded."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": index,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": self._values(values),
            "ExpressionAttributeNames": names,
            "ScanIndexForward": not newest_first,
            "ProjectionExpression": projection,
            "FilterExpression": filter_expression,
        }
        if limit:
            request["Limit"] = min(limit, 100)
        yielded = 0
        while True:
            page = self._call("query", **request)
            for item in page.get("Items", []):
                yield self._decode(item)
                yielded += 1
                if limit and yielded >= limit:
                    return
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def batch_get(self, keys: list[dict[str, Any]], *, consistent: bool = True) -> list[dict[str, Any] | None]:
        """The items for ``keys`` (≤ 100) in one BatchGetItem round trip, in ``keys`` order; None where absent."""
        pending: dict[str, Any] = {self.name: {"Keys": [self._encode(k) for k in keys], "ConsistentRead": consistent}}
        found: list[dict[str, Any]] = []
        for _ in range(5):  # UnprocessedKeys come back under throttling; a few retries, then report failure
            answer = self._call("batch_get_item", RequestItems=pending)
            found += [self._decode(i) for i in answer.get("Responses", {}).get(self.name, [])]
            pending = answer.get("UnprocessedKeys") or {}
            if not pending:
                break
        else:
            raise AwsError(f"BatchGetItem on {self.name}: keys left unprocessed", code="UnprocessedKeys")
        key_names = list(keys[0]) if keys else []
        by_key = {tuple(item.get(n) for n in key_names): item for item in found}
        return [by_key.get(tuple(k[n] for n in key_names)) for k in keys]
