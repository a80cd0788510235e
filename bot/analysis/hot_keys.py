"""A hot partition key, in words: throttles while the table as a whole uses little of its capacity. Contributor
Insights for DynamoDB names the keys (its CloudWatch rules ``DynamoDBContributorInsights-PKT-<table>-…``: most
throttled partition keys, ``-PKC-``: most accessed); without it the note says how to see them.
"""

from __future__ import annotations

from datetime import datetime

from bot.analysis.inputs import TableInputs
from bot.aws.clients import AwsError
from bot.aws.cloudwatch import CloudWatchGateway
from bot.aws.dynamodb_admin import DynamoDbAdmin

RULE_PREFIX = "DynamoDBContributorInsights-"
THROTTLED_RULE, ACCESSED_RULE = "PKT", "PKC"  # partition keys: most throttled, most accessed
TOP_KEYS = 3


def _rule(rules: tuple[str, ...], table: str, kind: str) -> str | None:
    prefix = f"{RULE_PREFIX}{kind}-{table}-"
    return next((r for r in rules if r.startswith(prefix)), None)


def read_hot_keys(table: TableInputs, start: datetime, end: datetime, notes: list[str]) -> TableInputs:
    """The table with Contributor Insights' status and top keys (most throttled, else most accessed); a failed
    read is a note and leaves the keys unknown."""
    from dataclasses import replace

    try:
        insights = DynamoDbAdmin().contributor_insights(table.name)
    except AwsError as exc:
        notes.append(f"could not read Contributor Insights of {table.name}: {exc}")
        return table
    if insights.status != "ENABLED":
        return replace(table, contributor_insights=insights.status)
    gateway = CloudWatchGateway()
    for kind, of in ((THROTTLED_RULE, "throttled"), (ACCESSED_RULE, "accessed")):
        rule = _rule(insights.rules, table.name, kind)
        if rule is None:
            continue
        try:
            keys = gateway.top_contributors(rule, start, end, count=TOP_KEYS)
        except AwsError as exc:
            notes.append(f"could not read Contributor Insights rule {rule}: {exc}")
            return replace(table, contributor_insights=insights.status)
        if keys:
            return replace(table, contributor_insights=insights.status, hot_keys=tuple(keys), hot_keys_of=of)
    return replace(table, contributor_insights=insights.status)


def hot_keys_words(table: TableInputs) -> str:
    """The note's last sentence: the keys Contributor Insights measured, or how to see them."""
    if table.hot_keys:
        keys = ", ".join(f"`{key}` ({count:,.0f})" for key, count in table.hot_keys)
        return f"Contributor Insights' most {table.hot_keys_of} partition keys over the window: {keys}."
    if table.contributor_insights == "ENABLED":
        return "Contributor Insights is on but reported no partition keys for the window."
    return "Enable CloudWatch Contributor Insights on the table to see which partition keys are hot."
