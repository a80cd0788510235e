"""The metrics `/perf metrics` knows by name: which CloudWatch metric, which resource gives the dimension, the
default statistic and the unit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogMetric:
    name: str
    label: str
    namespace: str
    metric: str
    resource: str  # "api", "lambda" or "table": which configured resource gives the dimension
    stat: str
    unit: str


CATALOG: dict[str, CatalogMetric] = {
    m.name: m
    for m in (
        CatalogMetric("latency", "API Gateway latency", "AWS/ApiGateway", "Latency", "api", "p95", "ms"),
        CatalogMetric(
            "integration-latency",
            "API Gateway integration latency",
            "AWS/ApiGateway",
            "IntegrationLatency",
            "api",
            "p95",
            "ms",
        ),
        CatalogMetric("requests", "API Gateway requests", "AWS/ApiGateway", "Count", "api", "Sum", "requests"),
        CatalogMetric("4xx", "API Gateway 4XX errors", "AWS/ApiGateway", "4XXError", "api", "Sum", "errors"),
        CatalogMetric("5xx", "API Gateway 5XX errors", "AWS/ApiGateway", "5XXError", "api", "Sum", "errors"),
        CatalogMetric("duration", "Lambda duration", "AWS/Lambda", "Duration", "lambda", "p95", "ms"),
        CatalogMetric("invocations", "Lambda invocations", "AWS/Lambda", "Invocations", "lambda", "Sum", "calls"),
        CatalogMetric("errors", "Lambda errors", "AWS/Lambda", "Errors", "lambda", "Sum", "errors"),
        CatalogMetric("throttles", "Lambda throttles", "AWS/Lambda", "Throttles", "lambda", "Sum", "throttles"),
        CatalogMetric(
            "concurrency",
            "Lambda concurrent executions",
            "AWS/Lambda",
            "ConcurrentExecutions",
            "lambda",
            "Maximum",
            "executions",
        ),
        CatalogMetric(
            # no p95: DynamoDB vends SuccessfulRequestLatency as Min/Max/Sum/Average/SampleCount only
            "dynamodb-latency",
            "DynamoDB latency",
            "AWS/DynamoDB",
            "SuccessfulRequestLatency",
            "table",
            "Average",
            "ms",
        ),
        CatalogMetric(
            "read-capacity",
            "DynamoDB consumed read capacity",
            "AWS/DynamoDB",
            "ConsumedReadCapacityUnits",
            "table",
            "Sum",
            "RCU",
        ),
        CatalogMetric(
            "write-capacity",
            "DynamoDB consumed write capacity",
            "AWS/DynamoDB",
            "ConsumedWriteCapacityUnits",
            "table",
            "Sum",
            "WCU",
        ),
    )
}
DEFAULT_METRIC = "latency"
