"""A load test's results: one record per phase, one per run (what is printed, saved as JSON and stored)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from bot.loadtest.engine import PhaseState


class PhaseResult(BaseModel):
    name: str
    requested_rate: float
    sent: int
    completed: int
    dropped: int
    ok: int
    client_errors: int
    server_errors: int
    transport_errors: int
    breaker_refusals: int
    breaker_trips: int
    elapsed_s: float
    achieved_rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    send_lag_p50_ms: float = 0.0  # the generator's own delay: scheduled instant → request handed to the client
    statuses: dict[str, int] = Field(default_factory=dict)
    recovery_s: float | None = None  # first breaker refusal → first success after it
    first_refusal_at: float | None = None  # epoch seconds
    recovered_at: float | None = None

    @property
    def error_rate_pct(self) -> float:
        failed = self.server_errors + self.transport_errors + self.breaker_refusals
        return 100.0 * failed / self.sent if self.sent else 0.0

    @classmethod
    def from_state(
        cls, name: str, rate: float, sent: int, elapsed: float, histogram: Any, state: PhaseState, start: float
    ) -> PhaseResult:
        def ms(percentile: float) -> float:
            return round(histogram.get_value_at_percentile(percentile) / 1000, 3) if histogram.total_count else 0.0

        recovery = None
        if (
            state.first_refusal_at is not None
            and state.recovered_at is not None
            and state.recovered_at > state.first_refusal_at
        ):
            recovery = round(state.recovered_at - state.first_refusal_at, 3)
        return cls(
            name=name,
            requested_rate=rate,
            sent=sent,
            completed=state.ok + state.client_errors + state.server_errors + state.breaker_refusals,
            dropped=state.dropped,
            ok=state.ok,
            client_errors=state.client_errors,
            server_errors=state.server_errors,
            transport_errors=state.transport_errors,
            breaker_refusals=state.breaker_refusals,
            breaker_trips=state.breaker_trips,
            elapsed_s=round(elapsed, 3),
            achieved_rate=round(sent / elapsed, 2) if elapsed > 0 else 0.0,
            p50_ms=ms(50),
            p95_ms=ms(95),
            p99_ms=ms(99),
            max_ms=round(histogram.get_max_value() / 1000, 3) if histogram.total_count else 0.0,
            statuses=dict(state.statuses),
            recovery_s=recovery,
            first_refusal_at=state.first_refusal_at,
            recovered_at=state.recovered_at,
        )


class Regression(BaseModel):
    phase: str
    metric: str
    previous: float
    current: float

    @property
    def percent(self) -> float:
        return 100.0 * (self.current - self.previous) / self.previous if self.previous else 0.0


class SloCheck(BaseModel):
    name: str
    target: str
    actual: str
    met: bool


class LoadTestRun(BaseModel):
    profile: str
    url: str
    started_at: str
    finished_at: str = ""
    phases: list[PhaseResult] = Field(default_factory=list)
    recovery_s: float | None = None
    slo_checks: list[SloCheck] = Field(default_factory=list)
    previous_started_at: str | None = None
    regressions: list[Regression] = Field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(p.sent for p in self.phases)

    @property
    def breaker_trips(self) -> int:
        return sum(p.breaker_trips for p in self.phases)

    @property
    def passed(self) -> bool:
        return all(c.met for c in self.slo_checks) and not self.regressions
