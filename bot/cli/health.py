"""health: perfbot's own state (the same as `/perf health`), printed to the terminal; exit 1 when it needs a look."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(subparsers: Any) -> None:
    health = subparsers.add_parser(
        "health", help="perfbot's own state: last alarm handled, failed-events queue, errors, versions"
    )
    health.set_defaults(func=_health)


def _health(_: argparse.Namespace) -> int:
    from bot.health.report import build_health_report
    from bot.health.text import health_text
    from bot.settings import get_settings

    report = build_health_report(get_settings())
    print(health_text(report))
    return 0 if report.healthy else 1
