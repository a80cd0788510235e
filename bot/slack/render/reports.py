"""Block Kit for perfbot's reports: SLA, metrics, breaker, cost, the daily digest and regression findings.

Numbers are formatted by :mod:`bot.reports.text`, so Slack and the terminal show the same digits. Service, metric
and table names come from configuration but are escaped anyway (they reach Slack verbatim).
"""

from __future__ import annotations

from datetime import timedelta

from bot.reports.common import WINDOWS, Mark
from bot.reports.models import (
    BreakerReport,
    CostReport,
    MetricsSummary,
    RegressionScan,
    ServiceSla,
    SlaReport,
)
from bot.reports.text import (
    MARK_WORD,
    NO_COST_DATA,
    breaker_row_text,
    budget_text,
    burn_text,
    cold_start_text,
    measurement_value,
    monthly_cost,
    number,
    usage_heading,
    usage_lines,
)
from bot.reports.usage import UsageReport
from bot.slack.render.kit import (
    MAX_BLOCKS,
    Block,
    context,
    escape,
    fallback,
    fields_section,
    fit,
    header,
    section,
    truncate,
)

BLOCKS_PER_SERVICE = 4
MARK_EMOJI = {
    Mark.PASS: ":white_check_mark:",
    Mark.AT_RISK: ":warning:",
    Mark.BREACH: ":red_circle:",
    Mark.UNKNOWN: ":grey_question:",
}
LEGEND = "at-risk = within 10 % of the limit, or the 30-day budget under 10 % left / burning faster than 1× over 6 h"


def badge(mark: Mark) -> str:
    return f"{MARK_EMOJI[mark]} {MARK_WORD[mark]}"


def sla_blocks(report: SlaReport, *, title: str | None = None) -> list[Block]:
    window_start = report.end - timedelta(seconds=WINDOWS[report.window])
    blocks: list[Block] = [
        header(title or f"SLA — last {report.window}"),
        context(
            f"{badge(report.mark)} · {window_start:%Y-%m-%d %H:%M} → {report.end:%Y-%m-%d %H:%M} UTC · "
            f"{report.queries} metric queries in "
            + ("one GetMetricData call" if report.calls == 1 else f"{report.calls} GetMetricData calls")
        ),
    ]
    room = (MAX_BLOCKS - len(blocks) - 2 - len(report.notes)) // BLOCKS_PER_SERVICE
    shown, rest = report.services[:room], report.services[room:]
    for service in shown:
        blocks += _service_blocks(service)
    if rest:
        others = ", ".join(f"{escape(s.service)} {MARK_EMOJI[s.mark]}" for s in rest)
        hint = escape("/perf sla <service>")  # our own text, but Slack would read <service> as a link
        blocks.append(context(f"{len(rest)} more: {others} — ask `{hint}` for the details"))
    for note in report.notes:
        blocks.append(context(f":warning: {escape(note)}"))
    blocks.append(context(f"_{LEGEND}_"))
    return fit(blocks)


def _service_blocks(service: ServiceSla) -> list[Block]:
    """At most BLOCKS_PER_SERVICE blocks: the objectives, the budget and burn rates, cold starts, what is missing."""
    lines = [f"*{escape(service.service)}* — {badge(service.mark)}"]
    for m in service.measurements:
        detail = f" · _{escape(m.detail)}_" if m.detail else ""
        lines.append(
            f"{MARK_EMOJI[m.mark]} {escape(m.label)}: *{escape(measurement_value(m))}* (SLO {m.objective}){detail}"
        )
    burns = " · ".join((":rotating_light: " if b.alerting else "") + escape(burn_text(b)) for b in service.burn_rates)
    blocks: list[Block] = [
        section("\n".join(lines)),
        section(
            f"{MARK_EMOJI[service.budget.mark]} *Error budget (30 d):* {escape(budget_text(service.budget))}\n"
            f"*Burn rate:* {burns}  _(pages at 14.4× over 1 h, 6× over 6 h)_"
        ),
    ]
    if service.cold_starts:
        rows = [f"• `{escape(f.function)}`: {escape(cold_start_text(f))}" for f in service.cold_starts]
        blocks.append(section(f"*Cold starts* ({service.cold_starts[0].window})\n" + "\n".join(rows)))
    if service.missing:
        blocks.append(context(":warning: Missing: " + escape("; ".join(service.missing))))
    return blocks


def sla_text(report: SlaReport) -> str:
    parts = [f"{s.service} {MARK_WORD[s.mark]}" for s in report.services]
    return fallback(f"SLA last {report.window}: " + (", ".join(parts) or "no services configured"))


def metrics_blocks(summary: MetricsSummary) -> list[Block]:
    title = f"{summary.service} — {summary.label} ({summary.stat}, last {summary.window})"

    def show(value: float | None) -> str:
        return number(value, summary.unit) if value is not None else "n/a"

    blocks: list[Block] = [header(title)]
    if summary.missing:
        blocks.append(section(f":grey_question: n/a ({escape(summary.missing)})"))
    else:
        blocks.append(
            fields_section(
                [
                    f"*Latest*\n{show(summary.latest)}",
                    f"*{escape(summary.stat)} over {summary.window}*\n{show(summary.window_stat)}",
                    f"*Min*\n{show(summary.minimum)}",
                    f"*Max*\n{show(summary.maximum)}",
                ]
            )
        )
    graph = "graph in the thread" if summary.graph else escape(summary.graph_note or "no graph")
    blocks.append(context(f"{len(summary.points)} points of {summary.period_s} s · {graph}"))
    if summary.items:
        lines = [
            f"`{escape(i.timestamp)}` {escape(i.metric_type)} = {escape(i.value)}"
            + (f" _{escape(truncate(i.metadata, 80))}_" if i.metadata else "")
            for i in summary.items
        ]
        blocks.append(section(f"*Latest items in {escape(summary.items_table)}*\n" + "\n".join(lines)))
    elif summary.items_note:
        blocks.append(context(escape(summary.items_note)))
    return fit(blocks)


def metrics_text(summary: MetricsSummary) -> str:
    latest = number(summary.latest, summary.unit) if summary.latest is not None else "n/a"
    return fallback(f"{summary.service} {summary.label} {summary.stat}: latest {latest}")


def breaker_blocks(report: BreakerReport) -> list[Block]:
    blocks: list[Block] = [header("Circuit breakers")]
    if not report.rows:
        blocks.append(section("No service has a circuit breaker configured (`services[].breaker_key`)."))
    for row in report.rows:
        state_emoji = {"CLOSED": ":large_green_circle:", "OPEN": ":red_circle:", "HALF_OPEN": ":large_yellow_circle:"}
        first, *rest = breaker_row_text(row)
        icon = state_emoji.get(row.state, ":grey_question:") if row.found else ":grey_question:"
        body = "\n".join(escape(line.strip()) for line in rest)
        blocks.append(section(f"{icon} *{escape(first)}*" + (f"\n{body}" if body else "")))
    blocks.append(
        context(f"as of {report.generated_at:%H:%M:%S} UTC · adaptive rule: QPS > 100 → 10, < 10 → 3, else 5")
    )
    return fit(blocks)


def breaker_text(report: BreakerReport) -> str:
    return fallback(
        "Breakers: " + (", ".join(f"{r.service} {r.state if r.found else 'n/a'}" for r in report.rows) or "none")
    )


def cost_blocks(report: CostReport) -> list[Block]:
    blocks: list[Block] = [
        header(f"Monthly cost estimate — {monthly_cost(report.monthly_usd, report.measured)}"),
        context(f"From metrics {report.start:%Y-%m-%d %H:%M} → {report.end:%Y-%m-%d %H:%M} UTC, scaled to 730 h"),
    ]
    for service in report.services:
        if not service.measured:
            blocks.append(section(f"*{escape(service.service)}* — no estimate: {NO_COST_DATA}"))
            if service.missing:
                blocks.append(context(":warning: Missing: " + escape("; ".join(service.missing))))
            continue
        lines = [
            f"• {escape(line.item)}: {line.quantity:,.2f} {escape(line.unit)} → *${line.monthly_usd:,.2f}*"
            + (f" _({escape(line.basis)})_" if line.basis else "")
            for line in service.lines
        ]
        blocks.append(
            section(
                f"*{escape(service.service)}* — ${service.monthly_usd:,.2f}/month "
                f"(from {service.observed_hours:g} h of data)\n" + "\n".join(lines)
            )
        )
        if service.missing:
            blocks.append(context(":warning: Missing: " + escape("; ".join(service.missing))))
    return fit(blocks)


def cost_text(report: CostReport) -> str:
    return fallback(f"Monthly cost estimate: {monthly_cost(report.monthly_usd, report.measured)}")


def regression_blocks(scan: RegressionScan) -> list[Block]:
    blocks: list[Block] = [header(f":chart_with_upwards_trend: {len(scan.regressions)} performance regression(s)")]
    for r in scan.regressions:
        blocks.append(
            section(
                f"*{escape(r.service)}* — {escape(r.metric)} (`{escape(r.resource)}`): "
                f"*{number(r.current, r.unit)}* vs baseline {number(r.baseline, r.unit)} (*+{r.percent:.0f} %*)"
            )
        )
    looks = sorted({(r.service, r.catalog_metric) for r in scan.regressions})
    look = ", ".join(f"`{escape(f'/perf metrics {name} {metric} 7d')}`" for name, metric in looks)
    blocks.append(
        context(
            f"Hour {scan.hour_start:%H:%M}–{scan.end:%H:%M} UTC vs the same hour of the previous 7 days (median "
            f"of their p95s); a regression is > 20 % above it. Look closer: {look}"
        )
    )
    return fit(blocks)


def regression_text(scan: RegressionScan) -> str:
    names = ", ".join(f"{r.service} {r.metric} +{r.percent:.0f} %" for r in scan.regressions)
    return fallback(f"Performance regression: {names}")


def usage_blocks(report: UsageReport) -> list[Block]:
    blocks: list[Block] = [
        header("Usage patterns — last 14 days"),
        context(f"Hourly traffic {report.start:%Y-%m-%d %H:%M} → {report.end:%Y-%m-%d %H:%M} UTC; hours in UTC"),
    ]
    for usage in report.services:
        lines = usage_lines(usage)
        blocks.append(section(f"*{escape(usage_heading(usage))}*\n" + escape("\n".join(lines))))
        if usage.heat_map:
            blocks.append(context("Heat map (weekday × hour, darker is busier) in the thread."))
    return fit(blocks)


def usage_fallback(report: UsageReport) -> str:
    peaks = [
        f"{u.service} peak {u.pattern.daily_peak.words()}"
        for u in report.services
        if u.pattern is not None and u.pattern.daily_peak is not None
    ]
    return fallback("Usage patterns, last 14 days: " + ("; ".join(peaks) or "no recurring daily peak"))
