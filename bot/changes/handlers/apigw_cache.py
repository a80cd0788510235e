"""API Gateway stage cache: the cache cluster (on/off, size) and stage-wide method caching (on/off, TTL)."""

from __future__ import annotations

import time

from bot.analysis.models import Values
from bot.aws.apigateway import ApiGatewayGateway
from bot.aws.clients import AwsError
from bot.changes.handlers.base import ChangeHandler, InvalidChange, as_int

CLUSTER_SIZES_GB = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
IN_PROGRESS = ("CREATE_IN_PROGRESS", "DELETE_IN_PROGRESS", "FLUSH_IN_PROGRESS")
POLL_S = 2.0
TIMEOUT_S = 1800.0  # a cache cluster takes minutes to create


def split_stage(target: str) -> tuple[str, str]:
    """``api-name/stage`` → (api name, stage)."""
    api, _, stage = target.rpartition("/")
    if not api or not stage:
        raise InvalidChange(f"an API Gateway target is 'api/stage', got {target!r}")
    return api, stage


def cluster_size(raw: object) -> str:
    """Normalise ``0.5`` / ``"0.5"`` / ``118.0`` to API Gateway's spelling, or InvalidChange."""
    try:
        number = float(str(raw))
    except ValueError:
        number = -1.0
    for size in CLUSTER_SIZES_GB:
        if float(size) == number:
            return size
    raise InvalidChange(f"cache cluster size must be one of {', '.join(CLUSTER_SIZES_GB)} GB, got {raw!r}")


class StageHandler(ChangeHandler):
    """Shared by the cache and throttling handlers: find the stage, patch it."""

    def __init__(self, gateway: ApiGatewayGateway | None = None) -> None:
        self._apigw = gateway or ApiGatewayGateway()

    def _api_id(self, target: str) -> tuple[str, str]:
        api, stage = split_stage(target)
        api_id = self._apigw.find_rest_api(api)
        if api_id is None:
            raise InvalidChange(f"no REST API named {api!r}")
        return api_id, stage


class ApiGatewayCacheHandler(StageHandler):
    kind = "apigw_cache"

    def read_current(self, target: str) -> Values:
        stage = self._apigw.get_stage(*self._api_id(target))
        values: Values = {"enabled": stage.cache_enabled}
        if stage.cache_size_gb:
            values["cluster_size_gb"] = cluster_size(stage.cache_size_gb)
        if stage.cache_ttl_s is not None:
            values["ttl_s"] = stage.cache_ttl_s
        return values

    def validate(self, target: str, after: Values) -> None:
        if not isinstance(after.get("enabled"), bool):
            raise InvalidChange(f"enabled must be true or false, got {after.get('enabled')!r}")
        if after["enabled"] or after.get("cluster_size_gb"):  # a disabled cache may name no size ("")
            cluster_size(after.get("cluster_size_gb"))
        if "ttl_s" in after:
            as_int(after, "ttl_s", low=0, high=3600)
        split_stage(target)

    def apply(self, target: str, after: Values) -> list[str]:
        flag = "true" if after["enabled"] else "false"
        ops = [
            {"op": "replace", "path": "/cacheClusterEnabled", "value": flag},
            {"op": "replace", "path": "/*/*/caching/enabled", "value": flag},
        ]
        if after["enabled"] and after.get("cluster_size_gb"):
            ops.append({"op": "replace", "path": "/cacheClusterSize", "value": cluster_size(after["cluster_size_gb"])})
        if "ttl_s" in after:
            ops.append({"op": "replace", "path": "/*/*/caching/ttlInSeconds", "value": str(int(after["ttl_s"]))})
        return [self._apigw.update_stage(*self._api_id(target), ops)]

    def wait_until_done(self, target: str) -> None:
        api_id, stage = self._api_id(target)
        deadline = time.monotonic() + TIMEOUT_S
        while (status := self._apigw.cache_cluster_status(api_id, stage)) in IN_PROGRESS:
            if time.monotonic() > deadline:
                raise AwsError(f"cache cluster of {target} still {status} after {TIMEOUT_S:.0f} s")
            time.sleep(POLL_S)
