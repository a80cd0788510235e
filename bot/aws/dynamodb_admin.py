"""DynamoDB control plane reads (describe_table) for analysis; data-plane items live in :mod:`bot.aws.dynamodb`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.aws.clients import AwsError, client, failing_as


@dataclass(frozen=True)
class TableCapacity:
    name: str
    billing_mode: str  # PROVISIONED or PAY_PER_REQUEST
    read_units: int
    write_units: int
    decreases_today: int
    status: str


@dataclass(frozen=True)
class ContributorInsights:
    """DescribeContributorInsights: the status (ENABLED, DISABLED, …) and the CloudWatch rules DynamoDB created."""

    status: str
    rules: tuple[str, ...] = ()


class DynamoDbAdmin:
    def __init__(self, region: str | None = None) -> None:
        self._client = client("dynamodb", region)

    def describe_capacity(self, table: str) -> TableCapacity:
        with failing_as(f"DescribeTable {table}"):
            answer: dict[str, Any] = self._client.describe_table(TableName=table)["Table"]
        throughput = answer.get("ProvisionedThroughput") or {}
        billing = (answer.get("BillingModeSummary") or {}).get("BillingMode")
        if not billing:
            billing = "PROVISIONED" if throughput.get("ReadCapacityUnits") else "PAY_PER_REQUEST"
        return TableCapacity(
            name=table,
            billing_mode=str(billing),
            read_units=int(throughput.get("ReadCapacityUnits", 0)),
            write_units=int(throughput.get("WriteCapacityUnits", 0)),
            decreases_today=int(throughput.get("NumberOfDecreasesToday", 0)),
            status=str(answer.get("TableStatus", "")),
        )

    def contributor_insights(self, table: str) -> ContributorInsights:
        with failing_as(f"DescribeContributorInsights {table}"):
            answer: dict[str, Any] = self._client.describe_contributor_insights(TableName=table)
        return ContributorInsights(
            status=str(answer.get("ContributorInsightsStatus", "DISABLED")),
            rules=tuple(str(r) for r in answer.get("ContributorInsightsRuleList") or ()),
        )

    # -- writes (change handlers) ------------------------------------------------------------------------------

    def update_provisioned_throughput(self, table: str, read_units: int, write_units: int) -> str:
        with failing_as(f"UpdateTable {table}"):
            answer = self._client.update_table(
                TableName=table,
                ProvisionedThroughput={"ReadCapacityUnits": int(read_units), "WriteCapacityUnits": int(write_units)},
            )
        return str(answer.get("ResponseMetadata", {}).get("RequestId", ""))

    def wait_active(self, table: str, *, delay_s: int = 1, max_attempts: int = 300) -> None:
        """Block until the table is ACTIVE again after an update."""
        try:
            self._client.get_waiter("table_exists").wait(
                TableName=table, WaiterConfig={"Delay": delay_s, "MaxAttempts": max_attempts}
            )
        except Exception as exc:
            raise AwsError(f"waiting for table {table} to become ACTIVE failed: {exc}") from exc

    def scalable_target(self, table: str, dimension: str) -> dict[str, Any] | None:
        """The Application Auto Scaling target of ``dynamodb:table:<dimension>``, or None when none is registered."""
        with failing_as("DescribeScalableTargets"):
            answer = client("application-autoscaling").describe_scalable_targets(
                ServiceNamespace="dynamodb", ResourceIds=[f"table/{table}"], ScalableDimension=dimension
            )
        targets = answer.get("ScalableTargets") or []
        return dict(targets[0]) if targets else None

    def set_scalable_range(self, table: str, dimension: str, min_units: int, max_units: int) -> str:
        """Move the auto-scaling range so scaling keeps the new capacity instead of undoing it."""
        with failing_as("RegisterScalableTarget"):
            answer = client("application-autoscaling").register_scalable_target(
                ServiceNamespace="dynamodb",
                ResourceId=f"table/{table}",
                ScalableDimension=dimension,
                MinCapacity=int(min_units),
                MaxCapacity=int(max_units),
            )
        return str(answer.get("ResponseMetadata", {}).get("RequestId", ""))
