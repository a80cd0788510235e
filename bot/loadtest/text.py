"""A run as terminal text."""

from __future__ import annotations

from bot.loadtest.models import LoadTestRun


def run_text(run: LoadTestRun) -> str:
    lines = [
        f"Load test {run.profile} against {run.url} — {run.requests:,} requests, {run.breaker_trips} breaker trip(s)"
    ]
    lines.append(
        f"  {'phase':<15} {'sent':>6} {'req/s':>13} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'errors':>7} {'4xx':>5}"
        f" {'refused':>8}"
    )
    for p in run.phases:
        lines.append(
            f"  {p.name:<15} {p.sent:>6} {p.achieved_rate:>6.1f}/{p.requested_rate:<6g} {p.p50_ms:>9.1f} "
            f"{p.p95_ms:>9.1f} {p.p99_ms:>9.1f} {p.error_rate_pct:>6.1f}% {p.client_errors:>5} {p.breaker_refusals:>8}"
        )
    if run.recovery_s is not None:
        lines.append(f"  breaker recovery: {run.recovery_s:.1f} s from the first refusal to the first success after it")
    for check in run.slo_checks:
        mark = "✓" if check.met else "✗"
        lines.append(f"  {mark} {check.name}: {check.actual} (SLO {check.target})")
    if run.previous_started_at is None:
        lines.append("  no previous run of this profile to compare with")
    elif not run.regressions:
        lines.append(f"  no regression against the run of {run.previous_started_at}")
    for r in run.regressions:
        lines.append(
            f"  ✗ regression: {r.phase} {r.metric} {r.previous:.1f} → {r.current:.1f} ms (+{r.percent:.0f} %, "
            f"run of {run.previous_started_at})"
        )
    return "\n".join(lines)
