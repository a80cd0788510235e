"""Block Kit for load-test results: one section per run — requests, throughput, latency against the SLOs, error
rate, breaker trips and recovery, and the comparison with the previous run of the same profile."""

from __future__ import annotations

from bot.loadtest.models import LoadTestRun
from bot.slack.render.kit import Block, context, escape, fallback, fit, header, section


def run_summary(run: LoadTestRun) -> str:
    verdict = "passed" if run.passed else "failed"
    return (
        f"Load test {run.profile} {verdict}: {run.requests:,} requests, {run.breaker_trips} breaker trip(s)"
        + (f", recovery {run.recovery_s:.1f} s" if run.recovery_s is not None else "")
        + (f", {len(run.regressions)} regression(s)" if run.regressions else "")
    )


def runs_text(runs: list[LoadTestRun]) -> str:
    return fallback("; ".join(run_summary(r) for r in runs))


def run_blocks(run: LoadTestRun) -> list[Block]:
    lines = [
        f"`{escape(p.name)}` {p.sent:,} sent · {p.achieved_rate:.1f}/{p.requested_rate:g} req/s · p50 "
        f"{p.p50_ms:.1f} · p95 {p.p95_ms:.1f} · p99 {p.p99_ms:.1f} ms · errors {p.error_rate_pct:.1f} % · "
        f"refused {p.breaker_refusals}"
        for p in run.phases
    ]
    checks = [
        f"{'✅' if c.met else '❌'} {escape(c.name)}: {escape(c.actual)} (SLO {escape(c.target)})"
        for c in run.slo_checks
    ]
    if run.previous_started_at is None:
        compared = "No previous run of this profile to compare with."
    elif not run.regressions:
        compared = f"No regression against the run of {escape(run.previous_started_at)}."
    else:
        compared = "Regressions: " + "; ".join(
            f"{escape(r.phase)} {r.metric} {r.previous:.1f} → {r.current:.1f} ms (+{r.percent:.0f} %)"
            for r in run.regressions
        )
    blocks = [section(f"*{escape(run_summary(run))}*\n" + "\n".join(lines))]
    if checks:
        blocks.append(section("\n".join(checks)))
    blocks.append(context(compared, f"{escape(run.url)} · {escape(run.started_at)}"))
    return blocks


def runs_blocks(runs: list[LoadTestRun], *, title: str = "Load test results") -> list[Block]:
    blocks: list[Block] = [header(title)]
    for run in runs:
        blocks += run_blocks(run)
    return fit(blocks)
