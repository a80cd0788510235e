"""The reports as pydantic models: what the Slack renderer, the CLI and the tests read."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bot.analysis.cold_starts import ColdStartFacts
from bot.reports.common import Mark, worst


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Measurement(_Model):
    """One number of a report against its objective; ``value`` None means ``missing`` says why."""

    key: str  # stable id: availability, error_rate, api_latency_slo, apigw_p95, lambda_p95:<fn>, …
    label: str
    value: float | None
    unit: str  # "%", "ms" or "s"
    objective: str  # human wording of the target, e.g. "≥ 99.9 %"
    mark: Mark
    missing: str | None = None
    detail: str = ""


class BurnRate(_Model):
    """Error-budget burn over one window: error ratio / (1 − SLO); 1.0 spends the budget exactly in 30 days."""

    window: str  # "1h" or "6h"
    requests: float | None
    errors: float | None
    rate: float | None
    page_threshold: float  # the SRE workbook's paging burn rate for this window
    alerting: bool


class ErrorBudget(_Model):
    """The 30-day error budget: allowed 5XX = (1 − SLO) × requests; ``remaining`` is the fraction left."""

    slo_pct: float
    requests: float | None
    errors: float | None
    allowed_errors: float | None
    remaining: float | None  # 1.0 = untouched, 0 = spent, negative = overspent
    mark: Mark
    missing: str | None = None
    observed_hours: float | None = None  # hours from the first request in the 30 days to the end


class ServiceSla(_Model):
    service: str
    window: str
    requests: float | None
    errors_5xx: float | None
    errors_4xx: float | None
    measurements: list[Measurement]
    burn_rates: list[BurnRate]
    budget: ErrorBudget
    cold_starts: list[ColdStartFacts] = Field(default_factory=list)

    @property
    def mark(self) -> Mark:
        return worst([m.mark for m in self.measurements] + [self.budget.mark])

    @property
    def missing(self) -> list[str]:
        """Labels of the numbers the report could not fill, with the reason."""
        gone = [f"{m.label} ({m.missing})" for m in self.measurements if m.value is None and m.missing]
        if self.budget.remaining is None and self.budget.missing:
            gone.append(f"error budget ({self.budget.missing})")
        return gone


class SlaReport(_Model):
    window: str
    start: datetime  # StartTime of the one GetMetricData call
    end: datetime  # end of every window in the report
    services: list[ServiceSla]
    queries: int  # MetricDataQueries in that call
    calls: int = 1  # GetMetricData calls (more than one only beyond 500 queries / 100,800 datapoints)
    notes: list[str] = Field(default_factory=list)

    @property
    def mark(self) -> Mark:
        return worst([s.mark for s in self.services])


class MetricPoint(_Model):
    timestamp: datetime
    value: float


class ApplicationMetricItem(_Model):
    timestamp: str
    metric_type: str
    value: int | float | str | None
    metadata: str = ""


class MetricsSummary(_Model):
    service: str
    metric: str  # the catalogue name the user typed
    label: str
    unit: str
    stat: str
    window: str
    period_s: int
    points: list[MetricPoint]
    latest: float | None
    minimum: float | None
    maximum: float | None
    window_stat: float | None  # the stat over the whole window (one bucket), never an average of averages
    missing: str | None = None
    items: list[ApplicationMetricItem] = Field(default_factory=list)
    items_table: str | None = None
    items_note: str | None = None
    graph: bytes | None = None
    graph_note: str | None = None


class BreakerReportRow(_Model):
    service: str
    key: str
    found: bool
    state: str = "CLOSED"
    failures: int = 0
    threshold: int = 0
    open_timeout_s: float = 0
    opened_at: datetime | None = None
    seconds_until_half_open: float | None = None
    half_open_successes: int = 0
    half_open_needed: int = 0
    recovery_s: float | None = None
    recovery_ongoing: bool = False
    recovery_slo_s: float = 60
    recovery_mark: Mark = Mark.UNKNOWN
    trips: int = 0
    qps: float | None = None
    qps_source: str = ""
    adaptive_threshold: int | None = None
    missing: str | None = None


class BreakerReport(_Model):
    generated_at: datetime
    rows: list[BreakerReportRow]


class CostLine(_Model):
    item: str
    quantity: float
    unit: str
    monthly_usd: float
    basis: str = ""


class ServiceCost(_Model):
    service: str
    lines: list[CostLine]
    observed_hours: float
    missing: list[str] = Field(default_factory=list)

    @property
    def monthly_usd(self) -> float:
        return sum(line.monthly_usd for line in self.lines)

    @property
    def measured(self) -> bool:
        """False when not one hour of metrics was found: the estimate is missing, not zero."""
        return self.observed_hours > 0


class CostReport(_Model):
    start: datetime
    end: datetime
    services: list[ServiceCost]

    @property
    def monthly_usd(self) -> float:
        return sum(s.monthly_usd for s in self.services)

    @property
    def measured(self) -> bool:
        return any(s.measured for s in self.services)


class Regression(_Model):
    service: str
    metric: str  # e.g. "API Gateway latency p95"
    resource: str
    current: float
    baseline: float
    unit: str = "ms"
    catalog_metric: str = "latency"  # its name for `/perf metrics <service> <metric>` (bot.reports.catalog)

    @property
    def percent(self) -> float:
        return (self.current - self.baseline) / self.baseline * 100


class RegressionScan(_Model):
    hour_start: datetime
    end: datetime
    checked: int
    regressions: list[Regression]
    missing: list[str] = Field(default_factory=list)
