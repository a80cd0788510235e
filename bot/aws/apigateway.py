"""API Gateway (REST) gateway: find an API by name and read a stage's cache and throttling (reads);
change handlers add their writes here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.aws.clients import client, failing_as

ALL_METHODS = "*/*"  # the stage-wide method settings key


@dataclass(frozen=True)
class StageConfig:
    rest_api_id: str
    stage: str
    cache_enabled: bool
    cache_size_gb: str | None
    cache_ttl_s: int | None  # stage-wide method caching TTL, when method caching is on
    method_caching: bool
    throttle_rate: float | None  # stage-wide throttling; None = the account default applies
    throttle_burst: int | None
    detailed_metrics: bool


class ApiGatewayGateway:
    def __init__(self, region: str | None = None) -> None:
        self._client = client("apigateway", region)

    def _call(self, action: str, **kwargs: Any) -> Any:
        with failing_as(action):
            return getattr(self._client, action)(**kwargs)

    def find_rest_api(self, name: str) -> str | None:
        """The id of the REST API called ``name`` (the first, as the console shows), or None."""
        request: dict[str, Any] = {"limit": 500}
        while True:
            page = self._call("get_rest_apis", **request)
            for api in page.get("items", []):
                if api.get("name") == name:
                    return str(api["id"])
            if not page.get("position"):
                return None
            request["position"] = page["position"]

    def get_stage(self, rest_api_id: str, stage: str) -> StageConfig:
        answer = self._call("get_stage", restApiId=rest_api_id, stageName=stage)
        settings = (answer.get("methodSettings") or {}).get(ALL_METHODS, {})
        rate = settings.get("throttlingRateLimit")
        burst = settings.get("throttlingBurstLimit")
        caching = bool(settings.get("cachingEnabled", False))
        return StageConfig(
            rest_api_id=rest_api_id,
            stage=stage,
            cache_enabled=bool(answer.get("cacheClusterEnabled", False)),
            cache_size_gb=str(answer["cacheClusterSize"]) if answer.get("cacheClusterSize") else None,
            cache_ttl_s=int(settings["cacheTtlInSeconds"]) if "cacheTtlInSeconds" in settings else None,
            method_caching=caching,
            throttle_rate=float(rate) if rate is not None and float(rate) >= 0 else None,
            throttle_burst=int(burst) if burst is not None and int(burst) >= 0 else None,
            detailed_metrics=bool(settings.get("metricsEnabled", False)),
        )

    def get_method_paths(self, rest_api_id: str) -> list[tuple[str, str]]:
        """(HTTP method, resource path) for every method of the API — the dimensions of detailed metrics."""
        methods: list[tuple[str, str]] = []
        request: dict[str, Any] = {"restApiId": rest_api_id, "limit": 500}
        while True:
            page = self._call("get_resources", **request)
            for resource in page.get("items", []):
                for method in resource.get("resourceMethods") or {}:
                    methods.append((str(method), str(resource.get("path", "/"))))
            if not page.get("position"):
                return sorted(methods)
            request["position"] = page["position"]

    # -- writes (change handlers) ------------------------------------------------------------------------------

    def update_stage(self, rest_api_id: str, stage: str, patch_operations: list[dict[str, str]]) -> str:
        """UpdateStage with JSON-patch operations (``/cacheClusterEnabled``, ``/*/*/throttling/rateLimit``, …)."""
        answer = self._call("update_stage", restApiId=rest_api_id, stageName=stage, patchOperations=patch_operations)
        return str(answer.get("ResponseMetadata", {}).get("RequestId", ""))

    def cache_cluster_status(self, rest_api_id: str, stage: str) -> str:
        """CREATE_IN_PROGRESS, AVAILABLE, DELETE_IN_PROGRESS, NOT_AVAILABLE, FLUSH_IN_PROGRESS (or '')."""
        answer = self._call("get_stage", restApiId=rest_api_id, stageName=stage)
        return str(answer.get("cacheClusterStatus", ""))
