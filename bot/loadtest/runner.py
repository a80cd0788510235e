"""Run a profile: its phases in order, then judge it (SLOs, the previous run) and store it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.loadtest import report
from bot.loadtest.engine import LoadGenerator, Phase
from bot.loadtest.models import LoadTestRun
from bot.loadtest.profiles import phases
from bot.loadtest.store import LoadTestStore
from bot.settings import Settings

Progress = Callable[[Phase], Callable[[int], None]]  # a phase starts → an advance(n) callback


def run_profile(
    generator: LoadGenerator,
    profile: str,
    settings: Settings,
    *,
    store: LoadTestStore | None = None,
    scale: float = 1.0,
    max_seconds: float = 60.0,
    recovery_max_s: float | None = None,
    progress: Progress | None = None,
) -> LoadTestRun:
    bound = recovery_max_s if recovery_max_s is not None else 2 * settings.slo.breaker_recovery_s
    run = LoadTestRun(profile=profile, url=generator.base_url + "/", started_at=_now())
    for phase in phases(profile, scale=scale, max_seconds=max_seconds, recovery_max_s=bound):
        run.phases.append(generator.run(phase, progress(phase) if progress else None))
    run.recovery_s = _recovery(run)
    run.finished_at = _now()
    run.slo_checks = report.slo_checks(run, settings.slo)
    previous = store.previous(profile) if store is not None else None
    if previous is not None:
        run.previous_started_at = previous.started_at
        run.regressions = report.regressions(run, previous, settings.changes.regression_pct)
    if store is not None:
        store.save(run)
    return run


def _recovery(run: LoadTestRun) -> float | None:
    """From the first breaker refusal of the run to the first success after it (possibly in a later phase)."""
    refused = [p.first_refusal_at for p in run.phases if p.first_refusal_at is not None]
    if not refused:
        return None
    recovered = [p.recovered_at for p in run.phases if p.recovered_at is not None]
    return round(recovered[-1] - refused[0], 3) if recovered else None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
