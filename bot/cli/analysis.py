"""``python -m bot analyze [--kind K] [--service S] [--json]``: the same analysis as `/perf analyze`, in the terminal.

Nothing is proposed or posted from here: the terminal shows what the guardrails let through, and what they dropped.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_commands(subparsers: Any) -> None:
    from bot.changes.kinds import kind_names

    analyze = subparsers.add_parser("analyze", help="tuning recommendations for the configured services")
    analyze.add_argument("--kind", help=f"only this kind ({', '.join(kind_names())})")
    analyze.add_argument("--service", help="only this service (default: every configured one)")
    analyze.add_argument("--json", action="store_true", help="print the results as JSON")
    analyze.set_defaults(func=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    from bot.analysis.analyzer import AnalysisRequestError, analyze, check_request
    from bot.changes.kinds import describe_values
    from bot.settings import get_settings
    from bot.slack.render.analysis import source_label, summary_title

    settings = get_settings()
    try:
        services = check_request(settings, args.service, args.kind)
    except AnalysisRequestError as exc:
        print(f"perfbot: {exc}", file=sys.stderr)
        return 2
    results = [analyze(service, args.kind, settings=settings) for service in services]
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in results], indent=2))
        return 0
    for result in results:
        print(summary_title(result))
        for rec in result.recommendations:
            impact = rec.impact
            p95 = "n/a" if impact.p95_ms_delta is None else f"{impact.p95_ms_delta:+.0f} ms"
            cost = "n/a" if impact.monthly_cost_delta_usd is None else f"{impact.monthly_cost_delta_usd:+.2f} USD/month"
            print(f"\n  {rec.kind}  {rec.target}")
            print(f"    {describe_values(rec.kind, rec.current)} -> {describe_values(rec.kind, rec.proposed)}")
            source = source_label(rec.source)
            print(f"    p95 {p95}, cost {cost}, risk {rec.risk}, confidence {rec.confidence:.0%}, {source}")
            print(f"    {rec.rationale}")
        for dropped in result.dropped:
            print(f"\n  dropped {dropped.kind} {dropped.target} ({dropped.source}): {dropped.reason}")
        for note in result.notes:
            print(f"\n  note: {note}")
        print()
    return 0
