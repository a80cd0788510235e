"""`/perf sla`, `metrics`, `breaker`, `cost`, `usage`: registered here, run by the `/perf` lazy listener.

Ack path: only ``bot.slack.commands`` at module level; settings, gateways and reports load inside the runners.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.commands import Attachment, Invocation, Reply, UsageError, subcommand


def _settings_and_inputs(parse: Any, args: list[str]) -> tuple[Any, Any]:
    """Parse arguments with the report's parser; its ReportInputError becomes the usage message."""
    from bot.reports import ReportInputError
    from bot.settings import get_settings

    settings = get_settings()
    try:
        return settings, parse(settings, args)
    except ReportInputError as problem:
        raise UsageError(str(problem)) from problem


@subcommand(
    "sla",
    usage="/perf sla [service] [1h|24h|7d|30d]",
    summary="SLOs, error budget and burn rates per service (default 24h)",
)
def run_sla(inv: Invocation) -> Reply:
    from bot.reports.common import parse_service_and_window
    from bot.reports.sla import build_sla_report
    from bot.slack.render import reports as render

    settings, (service, window) = _settings_and_inputs(parse_service_and_window, inv.args)
    report = build_sla_report(settings, service, window)
    return Reply(text=render.sla_text(report), blocks=render.sla_blocks(report))


@subcommand(
    "metrics",
    usage="/perf metrics service [metric] [1h|24h|7d|30d] [stat]",
    summary="a metric's latest/min/max and window statistic, its graph, the latest ApplicationMetrics items",
)
def run_metrics(inv: Invocation) -> Reply:
    from bot.reports.metrics import build_metrics_summary, parse_metrics_args
    from bot.slack.render import reports as render

    settings, request = _settings_and_inputs(parse_metrics_args, inv.args)
    summary = build_metrics_summary(settings, request)
    files = []
    if summary.graph:
        name = f"{summary.service}-{summary.metric}-{summary.window}.png"
        files.append(Attachment(filename=name, content=summary.graph, title=f"{summary.label} {summary.stat}"))
    return Reply(text=render.metrics_text(summary), blocks=render.metrics_blocks(summary), files=files)


@subcommand("breaker", usage="/perf breaker [service]", summary="circuit-breaker state, thresholds and recovery")
def run_breaker(inv: Invocation) -> Reply:
    from bot.reports.breaker import build_breaker_report
    from bot.reports.common import parse_service
    from bot.slack.render import reports as render

    settings, service = _settings_and_inputs(parse_service, inv.args)
    report = build_breaker_report(settings, service)
    return Reply(text=render.breaker_text(report), blocks=render.breaker_blocks(report))


@subcommand("cost", usage="/perf cost [service]", summary="monthly cost estimate from the last 7 days of metrics")
def run_cost(inv: Invocation) -> Reply:
    from bot.reports.common import parse_service
    from bot.reports.cost import build_cost_report
    from bot.slack.render import reports as render

    settings, service = _settings_and_inputs(parse_service, inv.args)
    report = build_cost_report(settings, service)
    return Reply(text=render.cost_text(report), blocks=render.cost_blocks(report))


@subcommand(
    "usage",
    usage="/perf usage [service]",
    summary="peak and low hours per weekday over the last 14 days, the recurring daily peak, and a heat map",
)
def run_usage(inv: Invocation) -> Reply:
    from bot.reports.common import parse_service
    from bot.reports.usage import build_usage_report
    from bot.slack.render import reports as render

    settings, service = _settings_and_inputs(parse_service, inv.args)
    report = build_usage_report(settings, service)
    files = [
        Attachment(filename=f"{u.service}-usage-14d.png", content=u.heat_map, title=f"{u.service} requests per hour")
        for u in report.services
        if u.heat_map
    ]
    return Reply(text=render.usage_fallback(report), blocks=render.usage_blocks(report), files=files)


def register(app: App) -> None:
    """The subcommands above registered at import; `/perf` (bot.slack.listeners.perf) dispatches to them."""
    del app
