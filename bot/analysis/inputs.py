"""What one service's analysis looks at: its live configuration and a day of metrics, as plain values.

The rule engine and the Bedrock prompt both read these dataclasses, so the rules are testable without AWS
(:mod:`bot.analysis.gather` fills them from CloudWatch and the describe APIs). ``None`` means "not measured"
(e.g. no Lambda Insights) and rules that need the number stay silent rather than guess.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.analysis.usage import UsagePattern

DEFAULT_FAILURE_THRESHOLD = 5  # the breaker's defaults: failure threshold 5, timeout 60 s, 3 trial successes
DEFAULT_OPEN_TIMEOUT_S = 60.0
DEFAULT_HALF_OPEN_SUCCESSES = 3


ACCOUNT_CONCURRENCY = 1000  # Lambda's default regional concurrency quota: the ceiling without reserved concurrency


def _cpu_share(duration: float | None, cpu_ms: float | None) -> float | None:
    if not duration or cpu_ms is None:
        return None
    return max(0.0, min(1.0, cpu_ms / duration))


@dataclass(frozen=True)
class LambdaInputs:
    name: str
    memory_mb: int
    alias: str | None = None
    alias_version: str | None = None  # the version the alias points at ("$LATEST" rules out provisioned concurrency)
    architecture: str = "x86_64"
    timeout_s: int = 30
    code_size_bytes: int | None = None  # the deployment package (CodeSize): big packages init slowly
    reserved_concurrency: int | None = None
    provisioned_units: int | None = None  # on the alias
    invocations: float = 0.0  # over the window
    duration_p95_ms: float | None = None  # the most recent hour
    duration_p95_baseline_ms: float | None = None  # median of the window's hourly p95s
    duration_avg_ms: float | None = None  # over the window (cost estimates)
    recent_duration_avg_ms: float | None = None  # the most recent hour (what the function does now)
    memory_utilization_max_pct: float | None = None  # Lambda Insights memory_utilization, Maximum
    memory_used_max_mb: float | None = None  # Lambda Insights used_memory_max, Maximum
    cpu_time_avg_ms: float | None = None  # Lambda Insights cpu_total_time, Average over the window
    downstream_avg_ms: float | None = None  # average DynamoDB latency, most recent hour: time spent waiting
    downstream_typical_ms: float | None = None  # average DynamoDB latency over the window
    cold_starts: float | None = None  # Lambda Insights init_duration SampleCount (one per cold start)
    init_duration_p95_ms: float | None = None
    init_duration_avg_ms: float | None = None  # billed: Lambda bills the INIT phase of on-demand environments
    concurrency_max: float | None = None  # ConcurrentExecutions, Maximum over the window
    concurrency_p90: float | None = None  # p90 of the 5-minute maxima over the window
    concurrency_busy_p90: float | None = None  # p90 of the 5-minute maxima in busy hours: the level worth keeping warm
    concurrency_5min: tuple[float, ...] = ()  # the 5-minute maxima themselves (what provisioned units would cover)
    throttles: float = 0.0
    schedule: dict[str, Any] | None = None  # perfbot's scheduled provisioned concurrency on the alias (None: unread)

    @property
    def qualified_name(self) -> str:
        return f"{self.name}:{self.alias}" if self.alias else self.name

    @property
    def cold_start_share(self) -> float | None:
        if self.cold_starts is None or self.invocations <= 0:
            return None
        return self.cold_starts / self.invocations

    @property
    def cpu_share(self) -> float | None:
        """How much of the window's average duration is CPU work (what scales with memory), measured by Lambda
        Insights' cpu_total_time; None without Insights — waiting on another API is not CPU time."""
        return _cpu_share(self.duration_avg_ms, self.cpu_time_avg_ms)

    @property
    def insights(self) -> bool:
        """Whether Lambda Insights measured anything (memory, CPU or cold starts)."""
        return any(
            v is not None
            for v in (self.memory_utilization_max_pct, self.memory_used_max_mb, self.cpu_time_avg_ms, self.cold_starts)
        )

    @property
    def concurrency_limit(self) -> int:
        """What the function can scale to: its reserved concurrency, else the account's default quota."""
        return self.reserved_concurrency if self.reserved_concurrency is not None else ACCOUNT_CONCURRENCY


@dataclass(frozen=True)
class ApiInputs:
    name: str
    stage: str
    rest_api_id: str = ""
    cache_enabled: bool = False
    cache_size_gb: str | None = None
    cache_ttl_s: int | None = None
    throttle_rate: float | None = None  # None: only the account default (10,000 rps) applies
    throttle_burst: int | None = None
    requests: float = 0.0  # Count over the window
    errors_4xx: float = 0.0
    errors_5xx: float = 0.0
    latency_p95_ms: float | None = None  # most recent hour
    latency_p95_baseline_ms: float | None = None  # median of the window's hourly p95s: the steady state
    latency_p50_ms: float | None = None  # median of the window's hourly p50s
    integration_latency_p95_ms: float | None = None  # most recent hour
    integration_latency_p95_baseline_ms: float | None = None
    get_requests: float | None = None  # from detailed (per-method) metrics; None when they are off
    cache_hits: float | None = None
    cache_misses: float | None = None
    peak_rps: float | None = None  # highest 1-minute average over the window
    median_rps: float | None = None
    stage_throttled: float = 0.0  # 4XX above the usual rate in the minutes at the stage limit: the stage's 429s
    minutes_at_limit: int = 0  # minutes whose traffic reached 80 % of the stage rate limit

    @property
    def target(self) -> str:
        return f"{self.name}/{self.stage}"

    @property
    def get_share(self) -> float | None:
        if self.get_requests is None or self.requests <= 0:
            return None
        return min(1.0, self.get_requests / self.requests)

    @property
    def cache_hit_rate(self) -> float | None:
        if self.cache_hits is None or self.cache_misses is None or self.cache_hits + self.cache_misses <= 0:
            return None
        return self.cache_hits / (self.cache_hits + self.cache_misses)

    @property
    def rate_4xx(self) -> float:
        return self.errors_4xx / self.requests if self.requests > 0 else 0.0


@dataclass(frozen=True)
class TableInputs:
    name: str
    billing_mode: str = "PROVISIONED"
    read_units: int = 0
    write_units: int = 0
    decreases_today: int = 0
    consumed_read_peak: float | None = None  # units/s, highest 5-minute average
    consumed_read_avg: float | None = None
    consumed_write_peak: float | None = None
    consumed_write_avg: float | None = None
    read_throttles: float = 0.0
    write_throttles: float = 0.0
    latency_avg_ms: float | None = None  # SuccessfulRequestLatency Average: DynamoDB vends no percentiles of it
    latency_avg_typical_ms: float | None = None  # the same, median of the window's hours
    latency_operations: tuple[str, ...] = ()  # AWS publishes that latency per TableName + Operation only
    contributor_insights: str | None = None  # its status (ENABLED, DISABLED, …); None: not read
    hot_keys: tuple[tuple[str, float], ...] = ()  # Contributor Insights' top partition keys and their counts
    hot_keys_of: str = ""  # what they count: "throttled" (the PKT rule) or "accessed" (PKC)

    @property
    def provisioned(self) -> bool:
        return self.billing_mode == "PROVISIONED" and self.read_units > 0

    @property
    def read_utilization(self) -> float | None:
        if self.consumed_read_peak is None or self.read_units <= 0:
            return None
        return self.consumed_read_peak / self.read_units

    @property
    def write_utilization(self) -> float | None:
        if self.consumed_write_peak is None or self.write_units <= 0:
            return None
        return self.consumed_write_peak / self.write_units


@dataclass(frozen=True)
class BreakerInputs:
    key: str
    failure_threshold: int = DEFAULT_FAILURE_THRESHOLD
    open_timeout_s: float = DEFAULT_OPEN_TIMEOUT_S
    half_open_success_threshold: int = DEFAULT_HALF_OPEN_SUCCESSES
    stored: bool = False  # False: never written, these are the library defaults
    trips: int = 0
    last_recovery_s: float | None = None


@dataclass(frozen=True)
class ServiceInputs:
    service: str
    window_h: float = 24.0
    lambdas: list[LambdaInputs] = field(default_factory=list)
    api: ApiInputs | None = None
    tables: list[TableInputs] = field(default_factory=list)
    breaker: BreakerInputs | None = None
    notes: list[str] = field(default_factory=list)  # what could not be read, said to the user
    usage: UsagePattern | None = None  # hourly traffic of the last 14 days (None: not read or too few days)

    def as_data(self) -> dict[str, Any]:
        """JSON-ready facts (for the Bedrock prompt), derived ratios included so the model need not compute them."""
        data = asdict(self)
        if self.usage is not None:  # the model gets the pattern's findings, not the 7 × 24 grid
            peak = self.usage.daily_peak
            data["usage"] = {
                "days": self.usage.days,
                "recurring_daily_peak_utc": peak.words() if peak else None,
                "peak_recurrence": peak.recurrence if peak else None,
                "peak_to_rest_ratio": peak.ratio if peak else None,
            }
        for fn, raw in zip(self.lambdas, data["lambdas"], strict=True):
            raw.pop("concurrency_5min", None)
            raw |= {
                "cold_start_share": fn.cold_start_share,
                "cpu_share_measured": fn.cpu_share,
                "lambda_insights": fn.insights,
                "concurrency_limit": fn.concurrency_limit,
            }
        if self.api is not None:
            data["api"] |= {
                "target": self.api.target,
                "get_share": self.api.get_share,
                "cache_hit_rate": self.api.cache_hit_rate,
                "rate_4xx": self.api.rate_4xx,
            }
        for table, raw in zip(self.tables, data["tables"], strict=True):
            raw.pop("hot_keys", None)  # the table's own data (key values): not for the prompt, and not needed there
            raw |= {"read_utilization": table.read_utilization, "write_utilization": table.write_utilization}
        return data
