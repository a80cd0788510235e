"""Contributor Insights for DynamoDB on the embedded AWS: DynamoDB creates the four managed CloudWatch rules, the
table's requests count their partition keys, and GetInsightRuleReport ranks them; off, there are no rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


def _report(cloudwatch: Any, rule: str) -> dict[str, Any]:
    end = datetime.now(UTC) + timedelta(minutes=1)
    return cloudwatch.get_insight_rule_report(
        RuleName=rule, StartTime=end - timedelta(hours=1), EndTime=end, Period=300, MaxContributorCount=2
    )


def test_enabled_insights_rank_the_most_accessed_partition_keys(new_table: Any, cloudwatch: Any) -> None:
    client = new_table("hot")
    assert client.describe_contributor_insights(TableName="hot")["ContributorInsightsStatus"] == "DISABLED"
    assert client.update_contributor_insights(TableName="hot", ContributorInsightsAction="ENABLE")[
        "ContributorInsightsStatus"
    ] in ("ENABLING", "ENABLED")
    described = client.describe_contributor_insights(TableName="hot")
    assert described["ContributorInsightsStatus"] == "ENABLED"
    rules = described["ContributorInsightsRuleList"]
    assert sorted(r.split("-")[1] for r in rules) == ["PKC", "PKT", "SKC", "SKT"]
    assert all(r.startswith("DynamoDBContributorInsights-") and "-hot-" in r for r in rules)
    for key, times in (("a", 5), ("b", 2), ("c", 1)):
        for _ in range(times):
            client.get_item(TableName="hot", Key={"pk": {"S": key}})
    client.query(
        TableName="hot",
        KeyConditionExpression="#k = :v",
        ExpressionAttributeNames={"#k": "pk"},
        ExpressionAttributeValues={":v": {"S": "a"}},
    )
    accessed = next(r for r in rules if "-PKC-" in r)
    report = _report(cloudwatch, accessed)
    assert [(c["Keys"], c["ApproximateAggregateValue"]) for c in report["Contributors"]] == [(["a"], 6.0), (["b"], 2.0)]
    assert report["ApproximateUniqueCount"] == 3
    throttled = next(r for r in rules if "-PKT-" in r)
    assert _report(cloudwatch, throttled)["Contributors"] == []  # nothing throttles here


def test_disabled_insights_have_no_rules_and_unknown_rules_are_refused(new_table: Any, cloudwatch: Any) -> None:
    client = new_table("cold")
    client.update_contributor_insights(TableName="cold", ContributorInsightsAction="ENABLE")
    rules = client.describe_contributor_insights(TableName="cold")["ContributorInsightsRuleList"]
    client.update_contributor_insights(TableName="cold", ContributorInsightsAction="DISABLE")
    described = client.describe_contributor_insights(TableName="cold")
    assert described["ContributorInsightsStatus"] == "DISABLED" and "ContributorInsightsRuleList" not in described
    with pytest.raises(ClientError) as refused:
        _report(cloudwatch, rules[0])
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as unknown:
        boto3.client("dynamodb").describe_contributor_insights(TableName="nope")
    assert unknown.value.response["Error"]["Code"] == "ResourceNotFoundException"
