"""`/perf breaker`: each service's circuit breaker as stored in DynamoDB, with the QPS CloudWatch sees now.

Reads the shared state written by :mod:`bot.breaker` (one Query lists every breaker) and adds what the state
alone cannot say: time until half-open, recovery time against the SLO, and the threshold the adaptive
rule would pick for the current traffic (API Gateway Count over the last 5 minutes, one GetMetricData call).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.reports.common import Mark, mark_below
from bot.reports.models import BreakerReport, BreakerReportRow, Measurement

if TYPE_CHECKING:
    from bot.aws.cloudwatch import CloudWatchGateway
    from bot.breaker import BreakerStatus, BreakerStore
    from bot.settings import Service, Settings

QPS_WINDOW_S = 300


def load_breakers(
    settings: Settings, services: list[Service], store: BreakerStore | None = None
) -> tuple[dict[str, BreakerStatus], str | None]:
    """Every stored breaker by key (one Query), or the reason it could not be read."""
    if not any(s.breaker_key for s in services):
        return {}, None
    from bot.breaker import BreakerStoreError, DynamoBreakerStore

    try:
        statuses = (store or DynamoBreakerStore(settings.tables.state)).list_all()
    except BreakerStoreError as exc:
        return {}, f"breaker state unreadable: {exc}"
    return {s.key: s for s in statuses}, None


def recovery(status: BreakerStatus | None, now: datetime) -> tuple[float | None, bool]:
    """(seconds, ongoing): an open/half-open breaker's time since it tripped, else the last completed recovery."""
    if status is None:
        return None, False
    if status.state != "CLOSED" and status.tripped_at is not None:
        return max(0.0, now.timestamp() - status.tripped_at), True
    return status.last_recovery_s, False


def recovery_mark(seconds: float | None, ongoing: bool, slo_s: float) -> Mark:
    """An ongoing recovery is at risk until it outlasts the SLO; a finished one is judged like any limit."""
    if ongoing and seconds is not None:
        return Mark.BREACH if seconds > slo_s else Mark.AT_RISK
    return mark_below(seconds, slo_s)


def recovery_measurement(
    status: BreakerStatus | None, now: datetime, slo_s: float, problem: str | None = None
) -> Measurement:
    seconds, ongoing = recovery(status, now)
    if status is None:
        missing = problem or "no breaker state recorded yet: it never tripped"
    elif seconds is None:
        missing = "the breaker never tripped"
    else:
        missing = None
    detail = f"open since it tripped, {status.state}" if ongoing and status else ""
    if status is not None and not ongoing and seconds is not None and status.recoveries:
        detail = f"last of {len(status.recoveries)} recoveries"
    return Measurement(
        key="breaker_recovery",
        label="Circuit-breaker recovery",
        value=seconds,
        unit="s",
        objective=f"< {slo_s:g} s",
        # a breaker that tripped and recovered is measured; one that never tripped passes (nothing to recover from);
        # no recorded state at all is not a measurement: unknown, never a pass
        mark=(
            Mark.PASS
            if seconds is None and status is not None and problem is None
            else recovery_mark(seconds, ongoing, slo_s)
        ),
        missing=missing,
        detail=detail,
    )


def build_breaker_report(
    settings: Settings,
    service: Service | None = None,
    *,
    now: datetime | None = None,
    store: BreakerStore | None = None,
    cloudwatch: CloudWatchGateway | None = None,
) -> BreakerReport:
    moment = now or datetime.now(UTC)
    services = [s for s in ([service] if service else settings.services) if s.breaker_key]
    states, problem = load_breakers(settings, services, store)
    qps, qps_problem = _current_qps(settings, services, moment, cloudwatch)
    rows = [_row(s, states.get(s.breaker_key or ""), settings, moment, qps, problem, qps_problem) for s in services]
    return BreakerReport(generated_at=moment, rows=rows)


def _row(
    service: Service,
    status: BreakerStatus | None,
    settings: Settings,
    now: datetime,
    qps: dict[str, float],
    problem: str | None,
    qps_problem: str | None,
) -> BreakerReportRow:
    from bot.breaker import adaptive_threshold

    key = service.breaker_key or ""
    slo_s = settings.slo_for(service).breaker_recovery_s
    observed = qps.get(service.name)
    source = "CloudWatch Count, last 5 min" if observed is not None else (qps_problem or "")
    if observed is None and status is not None and status.current_qps is not None:
        observed, source = status.current_qps, "reported by the service"
    rule = adaptive_threshold(observed) if observed is not None else None
    if status is None:
        return BreakerReportRow(
            service=service.name,
            key=key,
            found=False,
            qps=observed,
            qps_source=source,
            adaptive_threshold=rule,
            recovery_slo_s=slo_s,
            missing=problem or "no breaker state recorded yet (the breaker never ran)",
        )
    seconds, ongoing = recovery(status, now)
    until = None
    if status.state == "OPEN" and status.half_open_at is not None:
        until = max(0.0, status.half_open_at - now.timestamp())
    return BreakerReportRow(
        service=service.name,
        key=key,
        found=True,
        state=str(status.state),
        failures=status.failure_count,
        threshold=status.effective_threshold,
        open_timeout_s=status.open_timeout_s,
        opened_at=datetime.fromtimestamp(status.opened_at, tz=UTC) if status.opened_at else None,
        seconds_until_half_open=until,
        half_open_successes=status.half_open_successes,
        half_open_needed=status.half_open_success_threshold,
        recovery_s=seconds,
        recovery_ongoing=ongoing,
        recovery_slo_s=slo_s,
        recovery_mark=recovery_mark(seconds, ongoing, slo_s) if seconds is not None else Mark.PASS,
        trips=status.trips,
        qps=observed,
        qps_source=source,
        adaptive_threshold=rule,
    )


def _current_qps(
    settings: Settings, services: list[Service], now: datetime, cloudwatch: CloudWatchGateway | None
) -> tuple[dict[str, float], str | None]:
    """Requests per second over the last 5 minutes for every service with an API, in one GetMetricData call."""
    from bot.aws.clients import AwsError
    from bot.aws.cloudwatch import CloudWatchGateway, MetricQuery

    with_api = [(i, s) for i, s in enumerate(services) if s.api]
    if not with_api:
        return {}, None
    end = now.replace(second=0, microsecond=0)  # the last five whole minutes
    start = end - timedelta(seconds=QPS_WINDOW_S)
    queries = [
        MetricQuery(f"q{i}", "AWS/ApiGateway", "Count", (("ApiName", s.api.name),), "Sum", QPS_WINDOW_S)
        for i, s in with_api
        if s.api
    ]
    try:
        series = (cloudwatch or CloudWatchGateway(settings.region)).get_metric_data(queries, start, end)
    except AwsError as exc:
        return {}, f"CloudWatch did not answer ({exc.code or 'error'})"
    return {s.name: sum(series[f"q{i}"].values) / QPS_WINDOW_S for i, s in with_api if series[f"q{i}"].complete}, None
