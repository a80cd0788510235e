"""sla, metrics, breaker, cost: the `/perf` reports printed to the terminal."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_commands(subparsers: Any) -> None:
    sla = subparsers.add_parser("sla", help="SLOs, error budget and burn rates: sla [service] [1h|24h|7d|30d]")
    sla.add_argument("words", nargs="*", metavar="service|window")
    sla.set_defaults(func=_guarded(_sla))

    metrics = subparsers.add_parser("metrics", help="a metric's summary: metrics <service> [metric] [window] [stat]")
    metrics.add_argument("words", nargs="+", metavar="service metric window stat")
    metrics.add_argument("--graph", type=Path, help="also save the graph as this PNG file")
    metrics.set_defaults(func=_guarded(_metrics))

    breaker = subparsers.add_parser("breaker", help="circuit-breaker state: breaker [service]")
    breaker.add_argument("words", nargs="*", metavar="service")
    breaker.set_defaults(func=_guarded(_breaker))

    cost = subparsers.add_parser("cost", help="monthly cost estimate: cost [service]")
    cost.add_argument("words", nargs="*", metavar="service")
    cost.set_defaults(func=_guarded(_cost))

    usage = subparsers.add_parser("usage", help="peak and low hours per weekday, last 14 days: usage [service]")
    usage.add_argument("words", nargs="*", metavar="service")
    usage.add_argument("--heat-map", type=Path, help="also save the heat map as this PNG file (one service)")
    usage.set_defaults(func=_guarded(_usage))


def _guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Bad input (unknown service, window or metric) prints one line and exits 2, like a usage error."""

    def guarded(args: argparse.Namespace) -> int:
        from bot.reports import ReportInputError

        try:
            return run(args)
        except ReportInputError as problem:
            print(f"perfbot: {problem}", file=sys.stderr)
            return 2

    return guarded


def _sla(args: argparse.Namespace) -> int:
    from bot.reports.common import parse_service_and_window
    from bot.reports.sla import build_sla_report
    from bot.reports.text import sla_text
    from bot.settings import get_settings

    settings = get_settings()
    service, window = parse_service_and_window(settings, args.words)
    print(sla_text(build_sla_report(settings, service, window)))
    return 0


def _metrics(args: argparse.Namespace) -> int:
    from bot.reports.metrics import build_metrics_summary, parse_metrics_args
    from bot.reports.text import metrics_text
    from bot.settings import get_settings

    settings = get_settings()
    summary = build_metrics_summary(settings, parse_metrics_args(settings, args.words), with_graph=bool(args.graph))
    print(metrics_text(summary))
    if args.graph and summary.graph:
        args.graph.write_bytes(summary.graph)
        print(f"graph saved to {args.graph}")
    return 0


def _breaker(args: argparse.Namespace) -> int:
    from bot.reports.breaker import build_breaker_report
    from bot.reports.common import parse_service
    from bot.reports.text import breaker_text
    from bot.settings import get_settings

    settings = get_settings()
    print(breaker_text(build_breaker_report(settings, parse_service(settings, args.words))))
    return 0


def _cost(args: argparse.Namespace) -> int:
    from bot.reports.common import parse_service
    from bot.reports.cost import build_cost_report
    from bot.reports.text import cost_text
    from bot.settings import get_settings

    settings = get_settings()
    print(cost_text(build_cost_report(settings, parse_service(settings, args.words))))
    return 0


def _usage(args: argparse.Namespace) -> int:
    from bot.reports.common import parse_service
    from bot.reports.text import usage_text
    from bot.reports.usage import build_usage_report
    from bot.settings import get_settings

    settings = get_settings()
    report = build_usage_report(settings, parse_service(settings, args.words), with_heat_map=bool(args.heat_map))
    print(usage_text(report))
    maps = [u.heat_map for u in report.services if u.heat_map]
    if args.heat_map and maps:
        args.heat_map.write_bytes(maps[0])
        print(f"heat map saved to {args.heat_map}")
    return 0
