"""A run judged: p50/p95/p99 and error rate against perfbot.yml's SLOs, recovery against the breaker-recovery SLO,
and latency against the previous run of the same profile (worse by more than the regression threshold = regression).
"""

from __future__ import annotations

from bot.loadtest.models import LoadTestRun, Regression, SloCheck
from bot.settings import Slo

SERVING_PHASES = ("health", "metrics-load")  # phases meant to be served well; stress phases fail on purpose
REGRESSION_PCT = 20.0
COMPARED = ("p50_ms", "p95_ms", "p99_ms")


def slo_checks(run: LoadTestRun, slo: Slo) -> list[SloCheck]:
    checks = []
    for phase in run.phases:
        if phase.name not in SERVING_PHASES:
            continue
        percentile = getattr(phase, f"{slo.latency_percentile}_ms", phase.p95_ms)
        checks.append(
            SloCheck(
                name=f"{phase.name} {slo.latency_percentile} latency",
                target=f"≤ {slo.latency_ms:g} ms",
                actual=f"{percentile:.1f} ms",
                met=percentile <= slo.latency_ms,
            )
        )
        checks.append(
            SloCheck(
                name=f"{phase.name} error rate",
                target=f"≤ {slo.error_rate_pct:g} %",
                actual=f"{phase.error_rate_pct:.2f} %",
                met=phase.error_rate_pct <= slo.error_rate_pct,
            )
        )
    if run.profile == "recovery":
        recovered = run.recovery_s
        checks.append(
            SloCheck(
                name="breaker recovery",
                target=f"≤ {slo.breaker_recovery_s:g} s",
                actual=f"{recovered:.1f} s" if recovered is not None else "did not recover",
                met=recovered is not None and recovered <= slo.breaker_recovery_s,
            )
        )
    return checks


def regressions(
    run: LoadTestRun, previous: LoadTestRun | None, threshold_pct: float = REGRESSION_PCT
) -> list[Regression]:
    if previous is None:
        return []
    before = {p.name: p for p in previous.phases}
    found = []
    for phase in run.phases:
        old = before.get(phase.name)
        if old is None or phase.name not in SERVING_PHASES:
            continue
        for metric in COMPARED:
            was, now = getattr(old, metric), getattr(phase, metric)
            if was > 0 and now > was * (1 + threshold_pct / 100):
                found.append(Regression(phase=phase.name, metric=metric, previous=was, current=now))
    return found
