"""CloudWatch Contributor Insights for DynamoDB, which moto lacks: Update/DescribeContributorInsights on a table, the
four managed CloudWatch rules DynamoDB creates (``DynamoDBContributorInsights-{PKC,PKT,SKC,SKT}-<table>-<ms>``),
and GetInsightRuleReport on them.

While a table's Contributor Insights is on, every GetItem, PutItem, UpdateItem, DeleteItem and Query counts its
partition key (PKC, most accessed) and sort key (SKC) — what DynamoDB itself feeds the rules. moto never throttles,
so the PKT/SKT rules (most throttled) stay empty, as they do on a table that is not throttled.

Deviations: real DynamoDB answers ENABLING and turns ENABLED within minutes; here Describe says ENABLED at once.
The report counts requests (real rules count consumed capacity per key for "accessed").
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue, ResourceNotFoundException
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from moto.dynamodb.exceptions import MockValidationException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

RULE_KINDS = ("PKC", "PKT", "SKC", "SKT")
COUNTED = ("get_item", "put_item", "update_item", "delete_item", "query")
MAX_CONTRIBUTORS = 100  # GetInsightRuleReport's MaxContributorCount ceiling
_lock = threading.Lock()


def _status(backend: DynamoDBBackend) -> dict[str, dict[str, Any]]:
    """table -> {"status", "rules"}; lives on the backend so moto's reset wipes it."""
    return backend.__dict__.setdefault("_perfbot_contributor_insights", {})


def _contributions(backend: CloudWatchBackend) -> dict[str, list[tuple[float, tuple[str, ...], float]]]:
    """rule name -> [(epoch seconds, keys, value)]."""
    return backend.__dict__.setdefault("_perfbot_contributions", {})


def _cloudwatch(handler: Any) -> CloudWatchBackend:
    return cloudwatch_backends[handler.current_account][handler.region]


def update_contributor_insights(self: DynamoHandler) -> ActionResult:
    name = str(self.body.get("TableName", ""))
    action = str(self.body.get("ContributorInsightsAction", ""))
    if action not in ("ENABLE", "DISABLE"):
        raise MockValidationException(
            f"1 validation error detected: Value '{action}' at 'contributorInsightsAction' failed to satisfy "
            "constraint: Member must satisfy enum value set: [ENABLE, DISABLE]"
        )
    table = self.dynamodb_backend.get_table(name)  # ResourceNotFoundException for an unknown table
    cloudwatch = _cloudwatch(self)
    entry = _status(self.dynamodb_backend).setdefault(table.name, {"status": "DISABLED", "rules": []})
    with _lock:
        if action == "ENABLE" and entry["status"] != "ENABLED":
            stamp = int(time.time() * 1000)
            entry["rules"] = [f"DynamoDBContributorInsights-{kind}-{table.name}-{stamp}" for kind in RULE_KINDS]
            for rule in entry["rules"]:
                made = cloudwatch.put_insight_rule(
                    name=rule,
                    definition=f'{{"Schema":{{"Name":"ServiceLogRule","Version":1}},"Table":"{table.name}"}}',
                    state="ENABLED",
                )
                made.schema, made.managed_rule = '{"Name":"ServiceLogRule","Version":1}', True  # DynamoDB's own
            entry["status"] = "ENABLED"
        elif action == "DISABLE" and entry["status"] == "ENABLED":
            for rule in entry["rules"]:  # managed rules: only DynamoDB removes them (DeleteInsightRules refuses)
                cloudwatch.insight_rules.pop(rule, None)
                _contributions(cloudwatch).pop(rule, None)
            entry["rules"], entry["status"] = [], "DISABLED"
    answer = "ENABLING" if action == "ENABLE" else "DISABLING"
    return ActionResult({"TableName": table.name, "ContributorInsightsStatus": answer})


def describe_contributor_insights(self: DynamoHandler) -> ActionResult:
    table = self.dynamodb_backend.get_table(str(self.body.get("TableName", "")))
    entry = _status(self.dynamodb_backend).get(table.name, {"status": "DISABLED", "rules": []})
    answer: dict[str, Any] = {"TableName": table.name, "ContributorInsightsStatus": entry["status"]}
    if entry["rules"]:
        answer["ContributorInsightsRuleList"] = list(entry["rules"])
    return ActionResult(answer)


_CONDITION = re.compile(r"(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)")


def _value(attribute: Any) -> str:
    if isinstance(attribute, dict) and attribute:
        return str(next(iter(attribute.values())))
    return str(attribute)


def _keys(handler: DynamoHandler, operation: str) -> tuple[str | None, str | None, str]:
    """(partition key, sort key, table) of the request, None where it names none."""
    body = handler.body
    table = handler.dynamodb_backend.get_table(str(body.get("TableName", "")))
    hash_name, range_name = table.hash_key_attr, table.range_key_attr
    if operation == "query":
        if body.get("IndexName"):
            return None, None, table.name  # a GSI has rules of its own; perfbot reads the table's
        names = body.get("ExpressionAttributeNames") or {}
        values = body.get("ExpressionAttributeValues") or {}
        found = {names.get(n, n): values.get(v) for n, v in _CONDITION.findall(body.get("KeyConditionExpression", ""))}
        hash_value = found.get(hash_name)
        return (_value(hash_value) if hash_value is not None else None), None, table.name
    key = body.get("Item") if operation == "put_item" else body.get("Key")
    key = key or {}
    sort = _value(key[range_name]) if range_name and range_name in key else None
    return (_value(key[hash_name]) if hash_name in key else None), sort, table.name


def _counting(method: Callable[..., Any], operation: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def counted(self: DynamoHandler, *args: Any, **kwargs: Any) -> Any:
        answer = method(self, *args, **kwargs)
        try:
            partition, sort, table = _keys(self, operation)
        except Exception:
            return answer
        entry = _status(self.dynamodb_backend).get(table)
        if not entry or entry["status"] != "ENABLED":
            return answer
        now = time.time()
        store = _contributions(_cloudwatch(self))
        with _lock:
            for rule in entry["rules"]:
                kind = rule.split("-")[1]
                value = partition if kind == "PKC" else sort if kind == "SKC" else None
                if value is not None:
                    keys = (value,) if kind == "PKC" else (str(partition), value)
                    store.setdefault(rule, []).append((now, keys, 1.0))
        return answer

    counted.__perfbot_counted__ = True  # type: ignore[attr-defined]
    return counted


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    text = str(value)
    try:
        return float(text)
    except ValueError:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def get_insight_rule_report(self: CloudWatchResponse) -> ActionResult:
    params = self._get_params()
    rule = str(params.get("RuleName") or "")
    if rule not in self.cloudwatch_backend.insight_rules:
        raise ResourceNotFoundException()
    start, end = _epoch(params.get("StartTime")), _epoch(params.get("EndTime"))
    period = int(params.get("Period") or 0)
    if period <= 0 or end <= start:
        raise InvalidParameterValue("StartTime must be before EndTime and Period must be positive.")
    count = int(params.get("MaxContributorCount") or 10)
    if not 1 <= count <= MAX_CONTRIBUTORS:
        raise InvalidParameterValue(f"MaxContributorCount must be between 1 and {MAX_CONTRIBUTORS}.")
    totals: dict[tuple[str, ...], float] = {}
    points: dict[tuple[str, ...], dict[int, float]] = {}
    for at, keys, value in _contributions(self.cloudwatch_backend).get(rule, []):
        if start <= at < end:
            totals[keys] = totals.get(keys, 0.0) + value
            bucket = int(start + (at - start) // period * period)
            points.setdefault(keys, {})[bucket] = points.get(keys, {}).get(bucket, 0.0) + value
    top = sorted(totals.items(), key=lambda kv: -kv[1])[:count]
    contributors = [
        {
            "Keys": list(keys),
            "ApproximateAggregateValue": total,
            "Datapoints": [
                {"Timestamp": datetime.fromtimestamp(t).astimezone(), "ApproximateValue": v}
                for t, v in sorted(points[keys].items())
            ],
        }
        for keys, total in top
    ]
    kind = rule.split("-")[1] if rule.count("-") >= 2 else ""
    labels = ["PartitionKey"] if kind in ("PKC", "PKT") else ["PartitionKey", "SortKey"]
    return ActionResult(
        {
            "KeyLabels": labels,
            "AggregationStatistic": "Sum",
            "AggregateValue": sum(totals.values()),
            "ApproximateUniqueCount": len(totals),
            "Contributors": contributors,
        }
    )


def apply() -> None:
    DynamoHandler.update_contributor_insights = update_contributor_insights  # type: ignore[attr-defined]
    DynamoHandler.describe_contributor_insights = describe_contributor_insights  # type: ignore[attr-defined]
    for operation in COUNTED:
        method = getattr(DynamoHandler, operation)
        if not getattr(method, "__perfbot_counted__", False):
            setattr(DynamoHandler, operation, _counting(method, operation))
    CloudWatchResponse.get_insight_rule_report = get_insight_rule_report  # type: ignore[attr-defined]
