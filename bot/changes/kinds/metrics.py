"""Verification series that several kinds share: the p95 of the layer a change touches, one minute at a time."""

from __future__ import annotations

from bot.aws.cloudwatch import MetricQuery
from bot.settings import Settings

PERIOD_S = 60


def _p95(namespace: str, metric: str, dimension: tuple[str, str]) -> MetricQuery:
    return MetricQuery(
        id="m0", namespace=namespace, metric=metric, dimensions=(dimension,), stat="p95", period=PERIOD_S
    )


def lambda_duration(function: str) -> MetricQuery:
    return _p95("AWS/Lambda", "Duration", ("FunctionName", function))


def api_latency(api: str) -> MetricQuery:
    return _p95("AWS/ApiGateway", "Latency", ("ApiName", api))


def service_api(settings: Settings, service: str) -> str:
    """The name of the service's configured REST API ("" when it has none)."""
    configured = settings.service(service)
    return configured.api.name if configured is not None and configured.api is not None else ""
