"""`/perf cost [service]`: a monthly cost estimate from the last 7 days of metrics and the resources' configuration.

Usage comes from one GetMetricData call (hourly Sums of API Gateway Count, Lambda Invocations and Duration,
DynamoDB consumed capacity) and is scaled to a 730-hour month from the hours that actually have data, so a
service that started yesterday is not estimated at a seventh of its cost. Prices are ``pricing`` in perfbot.yml.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.reports.common import CLOUDWATCH_SILENT, aligned_end
from bot.reports.models import CostLine, CostReport, ServiceCost

if TYPE_CHECKING:
    from bot.aws.cloudwatch import CloudWatchGateway, MetricQuery, Series
    from bot.settings import Pricing, Service, Settings

HOURS_PER_MONTH = 730
LOOKBACK_S = 7 * 86400
HOUR = 3600


def _queries(services: list[Service]) -> list[MetricQuery]:
    from bot.aws.cloudwatch import MetricQuery

    queries = []
    for i, s in enumerate(services):
        if s.api:
            dims = (("ApiName", s.api.name),)
            queries.append(MetricQuery(f"s{i}_count", "AWS/ApiGateway", "Count", dims, "Sum", HOUR))
        for j, fn in enumerate(s.lambda_functions):
            dims = (("FunctionName", fn.name),)
            queries.append(MetricQuery(f"s{i}_fn{j}_inv", "AWS/Lambda", "Invocations", dims, "Sum", HOUR))
            queries.append(MetricQuery(f"s{i}_fn{j}_dur", "AWS/Lambda", "Duration", dims, "Sum", HOUR))
        for k, table in enumerate(s.dynamodb_tables):
            dims = (("TableName", table.name),)
            for tag, metric in (("rcu", "ConsumedReadCapacityUnits"), ("wcu", "ConsumedWriteCapacityUnits")):
                queries.append(MetricQuery(f"s{i}_tb{k}_{tag}", "AWS/DynamoDB", metric, dims, "Sum", HOUR))
    return queries


def build_cost_report(
    settings: Settings,
    service: Service | None = None,
    *,
    now: datetime | None = None,
    cloudwatch: CloudWatchGateway | None = None,
) -> CostReport:
    from bot.aws.clients import AwsError
    from bot.aws.cloudwatch import CloudWatchGateway

    services = [service] if service else list(settings.services)
    end = aligned_end(now)
    start = end - timedelta(seconds=LOOKBACK_S)
    queries = _queries(services)
    series: dict[str, Series] = {}
    silent: str | None = None
    if queries:
        try:
            series = (cloudwatch or CloudWatchGateway(settings.region)).get_metric_data(queries, start, end)
        except AwsError as exc:
            silent = f"{CLOUDWATCH_SILENT} ({exc.code or 'error'})"
    rows = [_service_cost(settings.pricing, i, s, series, silent) for i, s in enumerate(services)]
    return CostReport(start=start, end=end, services=rows)


def _service_cost(
    pricing: Pricing, i: int, service: Service, series: dict[str, Series], silent: str | None
) -> ServiceCost:
    mine = {qid: s for qid, s in series.items() if qid.startswith(f"s{i}_")}
    hours = len({t for s in mine.values() for t in s.timestamps})
    lines: list[CostLine] = []
    missing: list[str] = [silent] if silent else []
    incomplete = sorted(qid for qid, s in mine.items() if not s.complete)
    if incomplete:
        missing.append(f"{CLOUDWATCH_SILENT} for {', '.join(incomplete)}")
    scale = HOURS_PER_MONTH / hours if hours else 0.0

    def monthly(qid: str) -> float:
        found = mine.get(qid)
        return sum(found.values) * scale if found is not None and found.complete else 0.0

    if service.api:
        requests = monthly(f"s{i}_count")
        lines.append(
            _line("API Gateway requests", requests / 1e6, "M requests", pricing.apigw_rest_request_per_million)
        )
        lines += _cache_line(pricing, service, missing)
    for j, fn in enumerate(service.lambda_functions):
        invocations = monthly(f"s{i}_fn{j}_inv")
        lines.append(
            _line(f"Lambda {fn.name} requests", invocations / 1e6, "M requests", pricing.lambda_request_per_million)
        )
        memory_gb = _memory_gb(fn.name, fn.alias, missing)
        if memory_gb is not None:
            gb_seconds = monthly(f"s{i}_fn{j}_dur") / 1000 * memory_gb
            basis = f"{memory_gb * 1024:g} MB"
            lines.append(_line(f"Lambda {fn.name} compute", gb_seconds, "GB-s", pricing.lambda_gb_second, basis))
            lines += _provisioned_line(pricing, fn.name, fn.alias, memory_gb, missing)
    for k, table in enumerate(service.dynamodb_tables):
        lines += _table_lines(pricing, table.name, monthly(f"s{i}_tb{k}_rcu"), monthly(f"s{i}_tb{k}_wcu"), missing)
    return ServiceCost(service=service.name, lines=lines, observed_hours=hours, missing=missing)


def _line(item: str, quantity: float, unit: str, price: float, basis: str = "") -> CostLine:
    return CostLine(item=item, quantity=quantity, unit=unit, monthly_usd=quantity * price, basis=basis)


def _memory_gb(function: str, alias: str | None, missing: list[str]) -> float | None:
    from bot.aws.clients import AwsError
    from bot.aws.lambda_ import LambdaGateway

    try:
        return LambdaGateway().get_function_configuration(function, alias).memory_mb / 1024
    except AwsError as exc:
        missing.append(f"Lambda {function} memory ({exc.code or 'error'})")
        return None


def _provisioned_line(
    pricing: Pricing, function: str, alias: str | None, memory_gb: float, missing: list[str]
) -> list[CostLine]:
    """Provisioned concurrency is billed for every second it is configured, used or not."""
    from bot.aws.clients import AwsError
    from bot.aws.lambda_ import LambdaGateway

    if not alias:
        return []
    try:
        units = LambdaGateway().get_provisioned_concurrency(function, alias)
    except AwsError as exc:
        missing.append(f"Lambda {function}:{alias} provisioned concurrency ({exc.code or 'error'})")
        return []
    if not units:
        return []
    gb_seconds = units * memory_gb * HOURS_PER_MONTH * HOUR
    basis = f"{units} × {memory_gb * 1024:g} MB on {alias}, always on"
    return [
        _line(
            f"Lambda {function} provisioned concurrency",
            gb_seconds,
            "GB-s",
            pricing.lambda_provisioned_gb_second,
            basis,
        )
    ]


def _cache_line(pricing: Pricing, service: Service, missing: list[str]) -> list[CostLine]:
    from bot.aws.apigateway import ApiGatewayGateway
    from bot.aws.clients import AwsError

    if not service.api:
        return []
    gateway = ApiGatewayGateway()
    try:
        api_id = service.api.id or gateway.find_rest_api(service.api.name)
        stage = gateway.get_stage(api_id, service.api.stage) if api_id else None
    except AwsError as exc:
        missing.append(f"API Gateway cache configuration ({exc.code or 'error'})")
        return []
    if stage is None or not stage.cache_enabled or not stage.cache_size_gb:
        return []
    price = pricing.apigw_cache_gb_hour.get(stage.cache_size_gb)
    if price is None:
        missing.append(f"no price for a {stage.cache_size_gb} GB cache in pricing.apigw_cache_gb_hour")
        return []
    return [_line("API Gateway cache", HOURS_PER_MONTH, "h", price, f"{stage.cache_size_gb} GB cluster")]


def _table_lines(
    pricing: Pricing, table: str, rcu_month: float, wcu_month: float, missing: list[str]
) -> list[CostLine]:
    from bot.aws.clients import AwsError
    from bot.aws.dynamodb_admin import DynamoDbAdmin

    try:
        capacity = DynamoDbAdmin().describe_capacity(table)
    except AwsError as exc:
        missing.append(f"DynamoDB {table} capacity ({exc.code or 'error'})")
        return []
    if capacity.billing_mode == "PROVISIONED":
        hours = HOURS_PER_MONTH
        return [
            _line(
                f"DynamoDB {table} reads",
                capacity.read_units * hours,
                "RCU-h",
                pricing.dynamodb_rcu_hour,
                "provisioned",
            ),
            _line(
                f"DynamoDB {table} writes",
                capacity.write_units * hours,
                "WCU-h",
                pricing.dynamodb_wcu_hour,
                "provisioned",
            ),
        ]
    return [
        _line(
            f"DynamoDB {table} reads",
            rcu_month / 1e6,
            "M read units",
            pricing.dynamodb_read_request_per_million,
            "on-demand",
        ),
        _line(
            f"DynamoDB {table} writes",
            wcu_month / 1e6,
            "M write units",
            pricing.dynamodb_write_request_per_million,
            "on-demand",
        ),
    ]
