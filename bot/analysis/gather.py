"""Fill :class:`ServiceInputs` from AWS: the live configuration (describe calls) and ONE GetMetricData call.

A resource that cannot be read is left out with a note ("could not read …") instead of failing the analysis.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.analysis.hot_keys import read_hot_keys
from bot.analysis.inputs import ApiInputs, BreakerInputs, LambdaInputs, ServiceInputs, TableInputs
from bot.analysis.metric_plan import MetricPlan
from bot.analysis.usage import UsagePattern, read_usage
from bot.aws.apigateway import ApiGatewayGateway
from bot.aws.clients import AwsError
from bot.aws.cloudwatch import CloudWatchGateway
from bot.aws.dynamodb_admin import DynamoDbAdmin
from bot.aws.lambda_ import LambdaGateway
from bot.settings import Service, Settings


def _provisioned(gateway: LambdaGateway, ref_name: str, alias: str, version: str, notes: list[str]) -> int | None:
    """Provisioned units on the alias; a failed read costs only the provisioned-concurrency rule, with a note."""
    if version.upper() == "$LATEST":
        notes.append(
            f"Lambda {ref_name}: alias {alias!r} points at $LATEST, which cannot have provisioned concurrency; "
            "publish a version and point the alias at it to make provisioned concurrency possible."
        )
        return None
    try:
        return gateway.get_provisioned_concurrency(ref_name, alias)
    except AwsError as exc:
        notes.append(f"could not read provisioned concurrency of {ref_name}:{alias}: {exc}")
        return None


def _lambda_config(ref_name: str, alias: str | None, notes: list[str]) -> LambdaInputs | None:
    gateway = LambdaGateway()
    try:
        config = gateway.get_function_configuration(ref_name)
    except AwsError as exc:
        notes.append(f"could not read Lambda {ref_name}: {exc}")
        return None
    try:
        reserved = gateway.get_function_concurrency(ref_name)
    except AwsError as exc:
        notes.append(f"could not read the reserved concurrency of {ref_name}: {exc}")
        reserved = None
    try:
        alias_info = gateway.get_alias(ref_name, alias) if alias else None
    except AwsError as exc:
        notes.append(f"could not read alias {alias!r} of {ref_name}: {exc}")
        alias_info = None
    if alias and alias_info is None:
        notes.append(f"Lambda {ref_name} has no alias {alias!r}")
    version = str(alias_info.get("FunctionVersion")) if alias_info else None
    provisioned = _provisioned(gateway, ref_name, alias, version, notes) if alias and version else None
    schedule = _schedule(ref_name, alias, notes) if alias and version and version.upper() != "$LATEST" else None
    return LambdaInputs(
        name=ref_name,
        memory_mb=config.memory_mb,
        alias=alias if alias_info else None,
        alias_version=version,
        architecture=config.architecture,
        timeout_s=config.timeout_s,
        code_size_bytes=config.code_size_bytes,
        reserved_concurrency=reserved,
        provisioned_units=provisioned,
        schedule=schedule,
    )


def _schedule(ref_name: str, alias: str, notes: list[str]) -> dict[str, object] | None:
    """The provisioned-concurrency schedule perfbot keeps on the alias (scheduled actions), so a schedule in place is
    not proposed again; a failed read costs only that rule."""
    from bot.changes.kinds.scheduled_provisioned_concurrency import ScheduledConcurrencyHandler

    try:
        return dict(ScheduledConcurrencyHandler().read_current(f"{ref_name}:{alias}"))
    except AwsError as exc:
        notes.append(f"could not read the provisioned-concurrency schedule of {ref_name}:{alias}: {exc}")
        return None


def _api_config(service: Service, notes: list[str]) -> tuple[ApiInputs | None, list[tuple[str, str]]]:
    if service.api is None:
        return None, []
    gateway = ApiGatewayGateway()
    try:
        api_id = service.api.id or gateway.find_rest_api(service.api.name)
        if api_id is None:
            notes.append(f"REST API {service.api.name!r} not found")
            return None, []
        stage = gateway.get_stage(api_id, service.api.stage)
        methods = gateway.get_method_paths(api_id)
    except AwsError as exc:
        notes.append(f"could not read API {service.api.name}/{service.api.stage}: {exc}")
        return None, []
    if not stage.detailed_metrics:
        notes.append(
            f"{service.api.name}/{service.api.stage} has detailed (per-method) metrics off: the GET share is unknown, "
            "so caching is not assessed"
        )
    api = ApiInputs(
        name=service.api.name,
        stage=service.api.stage,
        rest_api_id=api_id,
        cache_enabled=stage.cache_enabled,
        cache_size_gb=stage.cache_size_gb,
        cache_ttl_s=stage.cache_ttl_s,
        throttle_rate=stage.throttle_rate,
        throttle_burst=stage.throttle_burst,
    )
    return api, [(m, path) for m, path in methods if m == "GET"]


def _table_config(name: str, notes: list[str]) -> TableInputs | None:
    try:
        capacity = DynamoDbAdmin().describe_capacity(name)
    except AwsError as exc:
        notes.append(f"could not read table {name}: {exc}")
        return None
    return TableInputs(
        name=name,
        billing_mode=capacity.billing_mode,
        read_units=capacity.read_units,
        write_units=capacity.write_units,
        decreases_today=capacity.decreases_today,
    )


def _breaker(settings: Settings, key: str, notes: list[str]) -> BreakerInputs:
    from bot.breaker import BreakerStoreError, DynamoBreakerStore

    try:
        status = DynamoBreakerStore(settings.tables.state).load(key)
    except BreakerStoreError as exc:
        notes.append(f"could not read breaker {key}: {exc}")
        status = None
    if status is None:
        return BreakerInputs(key=key)
    return BreakerInputs(
        key=key,
        failure_threshold=status.failure_threshold,
        open_timeout_s=status.open_timeout_s,
        half_open_success_threshold=status.half_open_success_threshold,
        stored=True,
        trips=status.trips,
        last_recovery_s=status.last_recovery_s,
    )


def _usage(settings: Settings, service: Service, end: datetime, notes: list[str]) -> UsagePattern | None:
    """The 14-day hourly traffic pattern (its own GetMetricData call: a different window and period); a failed read
    costs only the rules that need it."""
    try:
        return read_usage(service, settings.region, now=end)
    except AwsError as exc:
        notes.append(f"could not read the 14-day usage pattern: {exc}")
        return None


def gather(settings: Settings, service: Service, *, now: datetime | None = None) -> ServiceInputs:
    """Everything one analysis of ``service`` needs, with all its metrics from a single GetMetricData call."""
    notes: list[str] = []
    window_h = settings.analysis.window_h
    lambdas = [fn for ref in service.lambda_functions if (fn := _lambda_config(ref.name, ref.alias, notes))]
    api, get_methods = _api_config(service, notes)
    tables = [
        replace(t, latency_operations=tuple(ref.latency_operations))
        for ref in service.dynamodb_tables
        if (t := _table_config(ref.name, notes))
    ]
    breaker = _breaker(settings, service.breaker_key, notes) if service.breaker_key else None
    inputs = ServiceInputs(
        service=service.name, window_h=window_h, lambdas=lambdas, api=api, tables=tables, breaker=breaker, notes=notes
    )
    end = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    inputs = replace(inputs, usage=_usage(settings, service, end, notes))
    plan = MetricPlan.for_inputs(inputs, get_methods)
    try:
        series = CloudWatchGateway().get_metric_data(plan.queries, end - timedelta(hours=window_h), end)
    except AwsError as exc:
        notes.append(f"could not read metrics: {exc}")
        return inputs
    measured = plan.apply(inputs, series)
    if not any(t.read_throttles or t.write_throttles for t in measured.tables):
        return measured
    # Throttled tables: which keys (Contributor Insights, when it is on), up to this moment: a ranking, not a metric
    until = now or datetime.now(UTC)
    tables = [
        read_hot_keys(t, until - timedelta(hours=window_h), until, measured.notes)
        if t.read_throttles or t.write_throttles
        else t
        for t in measured.tables
    ]
    return replace(measured, tables=tables)
