"""Every handler against the embedded AWS: apply, wait, read back what AWS reports, refuse invalid values."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from bot.analysis.models import Values
from bot.changes.kinds import InvalidChange, handler_for, kind_spec
from tests.support import monitored


@pytest.fixture
def resources(stack: Any) -> Any:
    monitored.create_function(memory_mb=1024)
    monitored.create_api()
    monitored.create_table(read=50, write=25)
    return stack


def roundtrip(kind: str, target: str, after: Values) -> tuple[Values, Values]:
    handler = handler_for(kind)
    before = handler.read_current(target)
    handler.validate(target, after)
    assert handler.apply(target, after) is not None
    handler.wait_until_done(target)
    return before, handler.read_back(target)


def test_lambda_memory(resources: Any) -> None:
    before, after = roundtrip("lambda_memory", "monitoring-api-dev", {"memory_mb": 1536})
    assert (before, after) == ({"memory_mb": 1024}, {"memory_mb": 1536})
    assert monitored.memory_of() == 1536


@pytest.mark.parametrize("bad", [64, 10_241, 1536.5, "1536", True])
def test_lambda_memory_refuses_values_lambda_refuses(resources: Any, bad: object) -> None:
    with pytest.raises(InvalidChange):
        handler_for("lambda_memory").validate("monitoring-api-dev", {"memory_mb": bad})  # type: ignore[dict-item]


def test_provisioned_concurrency_on_the_alias_and_its_removal(resources: Any) -> None:
    before, after = roundtrip("lambda_provisioned_concurrency", "monitoring-api-dev:live", {"units": 5})
    assert (before, after) == ({"units": 0}, {"units": 5})
    config = boto3.client("lambda").get_provisioned_concurrency_config(
        FunctionName="monitoring-api-dev", Qualifier="live"
    )
    assert config["RequestedProvisionedConcurrentExecutions"] == 5
    assert kind_spec("lambda_provisioned_concurrency").inverse(before, {"units": 5}) == {"units": 0}
    _, removed = roundtrip("lambda_provisioned_concurrency", "monitoring-api-dev:live", {"units": 0})
    assert removed == {"units": 0}


@pytest.mark.parametrize("target", ["monitoring-api-dev", "monitoring-api-dev:$LATEST"])
def test_provisioned_concurrency_never_on_latest(resources: Any, target: str) -> None:
    with pytest.raises(InvalidChange, match="alias or published version"):
        handler_for("lambda_provisioned_concurrency").validate(target, {"units": 2})


def test_provisioned_concurrency_within_reserved_concurrency(resources: Any) -> None:
    boto3.client("lambda").put_function_concurrency(FunctionName="monitoring-api-dev", ReservedConcurrentExecutions=3)
    with pytest.raises(InvalidChange, match="reserved concurrency"):
        handler_for("lambda_provisioned_concurrency").validate("monitoring-api-dev:live", {"units": 4})


def test_apigw_cache_on_and_off(resources: Any) -> None:
    target = "monitoring-api/dev"
    before, after = roundtrip("apigw_cache", target, {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 300})
    assert before["enabled"] is False
    assert after == {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 300}
    undo = kind_spec("apigw_cache").inverse(
        {"enabled": False, "cluster_size_gb": "", "ttl_s": 0}, {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 300}
    )
    _, off = roundtrip("apigw_cache", target, undo)
    assert off["enabled"] is False


@pytest.mark.parametrize(
    "bad",
    [
        {"enabled": True, "cluster_size_gb": "3.0", "ttl_s": 300},
        {"enabled": True, "cluster_size_gb": "0.5", "ttl_s": 4000},
    ],
)
def test_apigw_cache_refuses_invalid_sizes_and_ttls(resources: Any, bad: Values) -> None:
    with pytest.raises(InvalidChange):
        handler_for("apigw_cache").validate("monitoring-api/dev", bad)


def test_apigw_throttling(resources: Any) -> None:
    _, after = roundtrip("apigw_throttling", "monitoring-api/dev", {"rate_limit": 1500.0, "burst_limit": 3000})
    assert after == {"rate_limit": 1500.0, "burst_limit": 3000}
    with pytest.raises(InvalidChange):
        handler_for("apigw_throttling").validate("monitoring-api/dev", {"rate_limit": 0, "burst_limit": 10})


def test_dynamodb_capacity(resources: Any) -> None:
    before, after = roundtrip("dynamodb_capacity", "ApplicationMetrics-dev", {"read_units": 75, "write_units": 37})
    assert (before, after) == ({"read_units": 50, "write_units": 25}, {"read_units": 75, "write_units": 37})


def test_dynamodb_capacity_moves_the_auto_scaling_range(resources: Any) -> None:
    scaling = boto3.client("application-autoscaling")
    scaling.register_scalable_target(
        ServiceNamespace="dynamodb",
        ResourceId="table/ApplicationMetrics-dev",
        ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=50,
        MaxCapacity=60,
    )
    roundtrip("dynamodb_capacity", "ApplicationMetrics-dev", {"read_units": 75, "write_units": 25})
    [target] = scaling.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (75, 75)


def test_dynamodb_capacity_refuses_on_demand_tables(resources: Any) -> None:
    boto3.client("dynamodb").create_table(
        TableName="OnDemand",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(InvalidChange, match="on-demand"):
        handler_for("dynamodb_capacity").validate("OnDemand", {"read_units": 5, "write_units": 5})


def test_breaker_thresholds(resources: Any) -> None:
    target = "monitoring-api"
    wanted: Values = {"failure_threshold": 10, "open_timeout_s": 30.0, "half_open_success_threshold": 3}
    before, after = roundtrip("breaker_thresholds", target, wanted)
    assert before == {"failure_threshold": 5, "open_timeout_s": 60.0, "half_open_success_threshold": 3}
    assert after == wanted
    with pytest.raises(InvalidChange):
        handler_for("breaker_thresholds").validate(target, {"failure_threshold": 0})
