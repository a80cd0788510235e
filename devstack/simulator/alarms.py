"""The seed's alarms, composite alarm and dashboard for the simulated service, notifying perfbot's SNS topic.

PutMetricAlarm, PutCompositeAlarm and PutDashboard overwrite by name, so creating them again is idempotent.
Dimensions match exactly what ``metrics.py`` publishes, otherwise an alarm would watch an empty metric.
"""

from __future__ import annotations

import json
from typing import Any

from bot.settings import Settings
from devstack.simulator.metrics import MetricNames, dims

COMPOSITE = "Smart-Performance-Alert"
DASHBOARD = "Performance-Optimization-Dashboard"
COMPONENT_ALARMS = ("API-HighLatency-P95", "Lambda-HighDuration", "DynamoDB-HighLatency")


def topic_name(settings: Settings) -> str:
    return f"perfbot-{settings.stage}-alerts"


def metric_alarms(settings: Settings, names: MetricNames) -> list[dict[str, Any]]:
    slo = settings.slo
    p95 = {"ExtendedStatistic": "p95", "Period": 300, "EvaluationPeriods": 1, "DatapointsToAlarm": 1}
    above = {"ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"}
    return [
        {
            "AlarmName": "API-HighLatency-P95",
            "AlarmDescription": f"95 % of {names.api_name} requests must finish within {slo.latency_ms:g} ms",
            "Namespace": "AWS/ApiGateway",
            "MetricName": "Latency",
            "Dimensions": dims(ApiName=names.api_name),
            "Threshold": slo.latency_ms,
            "Unit": "Milliseconds",
            **p95,
            **above,
        },
        {
            "AlarmName": "Lambda-HighDuration",
            "AlarmDescription": f"{names.function_name} p95 duration above {slo.lambda_p95_ms:g} ms",
            "Namespace": "AWS/Lambda",
            "MetricName": "Duration",
            "Dimensions": dims(FunctionName=names.function_name),
            "Threshold": slo.lambda_p95_ms,
            "Unit": "Milliseconds",
            **p95,
            **above,
        },
        {
            "AlarmName": "DynamoDB-HighLatency",
            # DynamoDB publishes no percentiles for SuccessfulRequestLatency: the Query average stands in
            "AlarmDescription": f"{names.table_name} Query average latency above {slo.dynamodb_p95_ms:g} ms",
            "Namespace": "AWS/DynamoDB",
            "MetricName": "SuccessfulRequestLatency",
            "Dimensions": dims(TableName=names.table_name, Operation="Query"),
            "Threshold": slo.dynamodb_p95_ms,
            "Unit": "Milliseconds",
            "Statistic": "Average",
            "Period": 300,
            "EvaluationPeriods": 1,
            **above,
        },
        {
            "AlarmName": settings.alarms.maintenance_alarm,
            "AlarmDescription": "Set while maintenance runs; silences the composite performance alert",
            "Namespace": "MonitoringApp/Operations",
            "MetricName": "MaintenanceMode",
            "Dimensions": dims(Environment=names.environment),
            "Statistic": "Maximum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
        {
            "AlarmName": "Predictive-Scaling-Trigger",
            "AlarmDescription": "Trigger scaling before performance degrades",
            "Namespace": "AWS/DynamoDB",
            "MetricName": "ConsumedReadCapacityUnits",
            "Dimensions": dims(TableName=names.table_name),
            "Statistic": "Average",
            "Period": 300,
            "EvaluationPeriods": 2,
            "Threshold": 70.0,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    ]


def composite_rule(settings: Settings) -> str:
    components = " OR ".join(f'ALARM("{name}")' for name in COMPONENT_ALARMS)
    return f'({components}) AND NOT ALARM("{settings.alarms.maintenance_alarm}")'


def dashboard_body(settings: Settings, names: MetricNames) -> dict[str, Any]:
    """The seed's dashboard, with the p95 the SLO talks about next to the seed's averages."""
    overview = [
        ["AWS/ApiGateway", "Latency", "ApiName", names.api_name],
        [".", "IntegrationLatency", ".", "."],
        ["AWS/Lambda", "Duration", "FunctionName", names.function_name],
        ["AWS/DynamoDB", "SuccessfulRequestLatency", "TableName", names.table_name, "Operation", "Query"],
    ]
    custom = [
        ["MonitoringApp/Performance", "E2ELatency", "Environment", names.environment, "Component", "API"],
        [".", "CircuitBreakerEfficiency", "Environment", names.environment],
        [".", "CacheHitRate"],
    ]
    common = {"period": 300, "region": settings.region}
    return {
        "widgets": [
            {
                "type": "metric",
                "x": 0,
                "y": 0,
                "width": 12,
                "height": 6,
                "properties": {
                    "metrics": overview,
                    "stat": "Average",
                    "title": "Performance Overview",
                    "yAxis": {"left": {"min": 0, "max": 2000}},
                    **common,
                },
            },
            {
                "type": "metric",
                "x": 12,
                "y": 0,
                "width": 12,
                "height": 6,
                "properties": {"metrics": custom, "stat": "Average", "title": "Custom Performance Metrics", **common},
            },
            {
                "type": "metric",
                "x": 0,
                "y": 6,
                "width": 24,
                "height": 6,
                "properties": {"metrics": overview[:1], "stat": "p95", "title": "API latency p95 (SLO)", **common},
            },
        ]
    }


def ensure_alarms(cloudwatch: Any, settings: Settings, names: MetricNames, topic_arn: str) -> list[str]:
    actions = {"ActionsEnabled": True, "AlarmActions": [topic_arn], "OKActions": [topic_arn]}
    created = []
    for alarm in metric_alarms(settings, names):
        cloudwatch.put_metric_alarm(**alarm, **actions)
        created.append(alarm["AlarmName"])
    cloudwatch.put_composite_alarm(
        AlarmName=COMPOSITE,
        AlarmDescription="Any component's latency alarm, unless maintenance is running",
        AlarmRule=composite_rule(settings),
        **actions,
    )
    created.append(COMPOSITE)
    cloudwatch.put_dashboard(DashboardName=DASHBOARD, DashboardBody=json.dumps(dashboard_body(settings, names)))
    return created
