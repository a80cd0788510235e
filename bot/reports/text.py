"""Numbers as people read them, and every report as plain text for the terminal (``python -m bot sla …``).

The Slack renderer uses the same formatting helpers, so the CLI and Slack always show the same digits.
"""

from __future__ import annotations

from bot.analysis.cold_starts import PACKAGE_ADVICE_BYTES, ColdStartFacts
from bot.analysis.usage import WEEKDAYS, hour_ranges
from bot.reports.common import Mark
from bot.reports.models import (
    BreakerReport,
    BreakerReportRow,
    BurnRate,
    CostReport,
    ErrorBudget,
    Measurement,
    MetricsSummary,
    RegressionScan,
    SlaReport,
)
from bot.reports.usage import ServiceUsage, UsageReport

MARK_WORD = {Mark.PASS: "PASS", Mark.AT_RISK: "AT RISK", Mark.BREACH: "BREACH", Mark.UNKNOWN: "N/A"}


def number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.3f} %"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:,.1f} s"
    if abs(value) >= 1000:  # ",.4g" would print 75190 as "7.519e+04"
        return f"{value:,.0f} {unit}".strip()
    return f"{value:,.4g} {unit}".strip()


NO_COST_DATA = "n/a (no metrics in the window)"


def monthly_cost(amount: float, measured: bool) -> str:
    """``$12.34`` — or n/a when nothing was measured: an estimate from no data is missing, not $0.00."""
    return f"${amount:,.2f}" if measured else NO_COST_DATA


def measurement_value(m: Measurement) -> str:
    if m.value is None:
        return f"n/a ({m.missing or 'no data'})"
    return number(m.value, m.unit)


def burn_text(b: BurnRate) -> str:
    if b.rate is None:
        return f"{b.window}: n/a"
    page = " — PAGE" if b.alerting else ""
    return f"{b.window}: {b.rate:.2f}×{page}"


def budget_text(b: ErrorBudget) -> str:
    if b.remaining is None:
        return f"n/a ({b.missing or 'no data'})"
    used = f"{b.errors:,.0f} of {b.allowed_errors:,.1f} allowed 5XX" if b.allowed_errors is not None else ""
    young = ""
    if b.observed_hours is not None and b.observed_hours < 30 * 24 - 1:
        young = f"; traffic only in the last {b.observed_hours:,.0f} h of the 30 days"
    return f"{b.remaining * 100:.1f} % left ({used} at {b.slo_pct:g} %{young})"


def package_text(size: int | None) -> str:
    """CodeSize against the guide's package-size advice (see :mod:`bot.analysis.cold_starts`)."""
    if size is None:
        return "package size n/a (CodeSize not read)"
    mb, advice = size / 1024 / 1024, PACKAGE_ADVICE_BYTES / 1024 / 1024
    shown = f"{mb:,.1f} MB" if mb >= 1 else f"{size / 1024:,.1f} KB"
    if size > PACKAGE_ADVICE_BYTES:
        return (
            f"package {shown} (CodeSize), over the {advice:.0f} MB where the guide's advice applies: drop unneeded"
            " dependencies and use the runtime's AWS SDK instead of bundling it"
        )
    return f"package {shown} (CodeSize), within the guide's advice (≤ {advice:.0f} MB)"


def cold_start_text(facts: ColdStartFacts) -> str:
    """ "4.1 % cold starts (211 of 5,150 invocations), init p95 1,320 ms · package 4.0 MB …", only what was measured."""
    share = facts.share
    if facts.missing:
        cold = f"cold starts n/a — {facts.missing}"
    elif share is None or facts.cold_starts is None or facts.invocations is None:
        cold = "cold starts n/a — no invocations in the window"
    else:
        init = f", init p95 {number(facts.init_p95_ms, 'ms')}" if facts.init_p95_ms is not None else ""
        cold = (
            f"{share * 100:.1f} % cold starts ({facts.cold_starts:,.0f} of {facts.invocations:,.0f} invocations, "
            f"Lambda Insights){init}"
        )
    return f"{cold} · {package_text(facts.code_size_bytes)}"


def sla_text(report: SlaReport) -> str:
    lines = [
        f"SLA over the last {report.window} (to {report.end:%Y-%m-%d %H:%M} UTC) — {MARK_WORD[report.mark]}",
    ]
    for service in report.services:
        lines.append(f"\n{service.service}: {MARK_WORD[service.mark]}")
        for m in service.measurements:
            detail = f"  [{m.detail}]" if m.detail else ""
            lines.append(f"  {MARK_WORD[m.mark]:8} {m.label}: {measurement_value(m)} (SLO {m.objective}){detail}")
        lines.append(f"  {MARK_WORD[service.budget.mark]:8} Error budget (30 d): {budget_text(service.budget)}")
        lines.append("           Burn rate: " + ", ".join(burn_text(b) for b in service.burn_rates))
        if service.missing:
            lines.append("  Missing: " + "; ".join(service.missing))
        if service.cold_starts:
            lines.append(f"  Cold starts ({service.cold_starts[0].window}):")
            lines += [f"    {f.function}: {cold_start_text(f)}" for f in service.cold_starts]
    lines += [f"\nNote: {note}" for note in report.notes]
    return "\n".join(lines)


def metrics_text(summary: MetricsSummary) -> str:
    def show(value: float | None) -> str:
        return number(value, summary.unit) if value is not None else "n/a"

    lines = [f"{summary.service} {summary.label} ({summary.stat}, last {summary.window}, {summary.period_s} s points)"]
    if summary.missing:
        lines.append(f"  n/a ({summary.missing})")
    else:
        lines.append(
            f"  latest {show(summary.latest)}, min {show(summary.minimum)}, max {show(summary.maximum)}, "
            f"{summary.stat} over {summary.window}: {show(summary.window_stat)}"
        )
    if summary.items_table:
        lines.append(f"  Latest items in {summary.items_table}:")
        lines += [f"    {i.timestamp}  {i.metric_type}  {i.value}" for i in summary.items]
    if summary.items_note:
        lines.append(f"  {summary.items_note}")
    return "\n".join(lines)


def breaker_row_text(row: BreakerReportRow) -> list[str]:
    if not row.found:
        return [f"{row.service} (breaker {row.key}): {row.missing}"]
    lines = [f"{row.service} (breaker {row.key}): {row.state}, failures {row.failures}/{row.threshold}"]
    lines.append(f"  open timeout {row.open_timeout_s:g} s, trips {row.trips}")
    if row.opened_at:
        lines.append(f"  open since {row.opened_at:%H:%M:%S} UTC")
    if row.seconds_until_half_open is not None:
        due = row.seconds_until_half_open
        lines.append(f"  half-open in {due:.0f} s" if due >= 1 else "  half-open due: the next call is a trial")
    if row.state == "HALF_OPEN":
        lines.append(f"  half-open successes {row.half_open_successes}/{row.half_open_needed}")
    if row.recovery_s is not None:
        kind = "recovering for" if row.recovery_ongoing else "last recovery"
        lines.append(f"  {kind} {row.recovery_s:.1f} s (SLO < {row.recovery_slo_s:g} s) {MARK_WORD[row.recovery_mark]}")
    return [*lines, qps_text(row)]


def qps_text(row: BreakerReportRow) -> str:
    if row.qps is None:
        return f"  current QPS n/a{f' ({row.qps_source})' if row.qps_source else ''}"
    return f"  current QPS {row.qps:.1f} ({row.qps_source}) → adaptive threshold {row.adaptive_threshold}"


def breaker_text(report: BreakerReport) -> str:
    if not report.rows:
        return "No service has a circuit breaker configured (services[].breaker_key)."
    return "\n".join(line for row in report.rows for line in breaker_row_text(row))


def cost_text(report: CostReport) -> str:
    lines = [
        f"Monthly cost estimate (from {report.start:%Y-%m-%d} to {report.end:%Y-%m-%d}): "
        f"{monthly_cost(report.monthly_usd, report.measured)}"
    ]
    for service in report.services:
        lines.append(
            f"\n{service.service}: {monthly_cost(service.monthly_usd, service.measured)}/month "
            f"(from {service.observed_hours:g} h of data)"
        )
        for line in service.lines if service.measured else []:
            lines.append(f"  {line.item}: {line.quantity:,.2f} {line.unit} → ${line.monthly_usd:,.2f}  {line.basis}")
        if service.missing:
            lines.append("  Missing: " + "; ".join(service.missing))
    return "\n".join(lines)


def regressions_text(scan: RegressionScan) -> str:
    head = f"Regression check for {scan.hour_start:%H:%M}–{scan.end:%H:%M} UTC: {scan.checked} metrics"
    lines = [head]
    for r in scan.regressions:
        lines.append(
            f"  {r.service} {r.metric} ({r.resource}): {number(r.current, r.unit)} vs baseline "
            f"{number(r.baseline, r.unit)} (+{r.percent:.0f} %)"
        )
    if not scan.regressions:
        lines.append("  no regression (> 20 % above the same hour of the previous 7 days)")
    lines += [f"  missing: {m}" for m in scan.missing]
    return "\n".join(lines)


def usage_lines(usage: ServiceUsage) -> list[str]:
    """A service's usage pattern in lines: the recurring daily peak, then peak and low hours per weekday (UTC)."""
    pattern = usage.pattern
    if pattern is None:
        return [f"no usage pattern: {usage.missing}"]
    peak = pattern.daily_peak
    if peak is None:
        lines = ["No recurring daily peak: no hours are busy on most days."]
    else:
        strength = "a strong" if peak.strong else "a weak"
        lines = [
            f"Recurring daily peak {peak.words()} — {strength} one: busy on {peak.recurrence:.0%} of days, "
            f"{peak.ratio:.1f}× the requests per hour of the rest of the day."
        ]
    busiest = pattern.busiest
    if busiest is not None:
        day, hour, value = busiest
        lines.append(f"Busiest hour: {WEEKDAYS[day]} {hour:02d}:00 UTC, {value:,.0f} requests on average.")
    for day, name in enumerate(WEEKDAYS):
        if all(v is None for v in pattern.grid[day]):
            lines.append(f"{name}: no data")
            continue
        lines.append(f"{name}: peak {hour_ranges(pattern.peak_hours(day))} · low {hour_ranges(pattern.low_hours(day))}")
    return lines


def usage_heading(usage: ServiceUsage) -> str:
    pattern = usage.pattern
    days = f"{pattern.days} days of hourly {pattern.metric}" if pattern else "no data"
    return f"{usage.service} — usage over the last 14 days ({days}, hours UTC)"


def usage_text(report: UsageReport) -> str:
    blocks = []
    for usage in report.services:
        blocks.append("\n".join([usage_heading(usage), *(f"  {line}" for line in usage_lines(usage))]))
    return "\n\n".join(blocks) or "No services are configured."
