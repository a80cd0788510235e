"""``python -m bot loadtest``: the guide's performance tests against an HTTP endpoint (the local service by
default), printed as a report, saved as JSON, stored for the next run's comparison, optionally posted to Slack."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

SERVICE_URL_VARIABLE = "SERVICE_URL"


def add_commands(subparsers: Any) -> None:
    run = subparsers.add_parser("loadtest", help="performance tests: loadtest [--url URL] [--profile ...]")
    run.add_argument("--url", default=os.environ.get(SERVICE_URL_VARIABLE), help="default: $SERVICE_URL")
    run.add_argument("--profile", default="baseline", choices=["baseline", "load", "stress", "recovery", "all"])
    run.add_argument("--scale", type=float, default=1.0, help="multiply every phase's request count")
    run.add_argument("--max-seconds", type=float, default=60.0, help="bound on each phase's duration")
    run.add_argument("--recovery-max-seconds", type=float, help="bound on waiting for recovery (2 × the SLO)")
    run.add_argument("--json", type=Path, help="also save the results as this JSON file")
    run.add_argument("--post", action="store_true", help="post the results to the digest channel")
    run.add_argument("--api-key", default=os.environ.get("PERFBOT_LOADTEST_API_KEY"), help="x-api-key header")
    run.add_argument("--iam", action="store_true", help="sign requests with SigV4 (a stage with AWS_IAM auth)")
    run.add_argument("--i-own-this-endpoint", action="store_true", help="allow a target that is not loopback")
    run.add_argument("--no-progress", action="store_true")
    run.set_defaults(func=_loadtest)


def _loadtest(args: argparse.Namespace) -> int:
    from bot.loadtest import PROFILES, LoadTestStore, RefusedTarget, check_target
    from bot.loadtest.engine import LoadGenerator
    from bot.loadtest.runner import run_profile
    from bot.loadtest.store import to_json
    from bot.loadtest.target import sigv4_signer
    from bot.loadtest.text import run_text
    from bot.settings import get_settings

    if not args.url:
        print(f"perfbot: give --url or set {SERVICE_URL_VARIABLE} (python -m bot devstack prints it)", file=sys.stderr)
        return 2
    try:
        check_target(args.url, owned=args.i_own_this_endpoint)
    except RefusedTarget as refused:
        print(f"perfbot: {refused}", file=sys.stderr)
        return 2
    settings = get_settings()
    headers = {"x-api-key": args.api_key} if args.api_key else {}
    generator = LoadGenerator(args.url, headers=headers, signer=sigv4_signer(settings.region) if args.iam else None)
    store = LoadTestStore(settings.tables.state, settings.region)
    profiles = PROFILES if args.profile == "all" else (args.profile,)
    runs = []
    with _progress(not args.no_progress) as progress:
        for profile in profiles:
            run = run_profile(
                generator,
                profile,
                settings,
                store=store,
                scale=args.scale,
                max_seconds=args.max_seconds,
                recovery_max_s=args.recovery_max_seconds,
                progress=progress,
            )
            runs.append(run)
    for run in runs:
        print(run_text(run))
    if args.json:
        args.json.write_text("[" + ",\n".join(to_json(r) for r in runs) + "]\n" if len(runs) > 1 else to_json(runs[0]))
        print(f"results saved to {args.json}")
    if args.post:
        from bot.slack.delivery.loadtest import post_runs

        post_runs(runs)
        print(f"posted to {settings.slack.digest_channel}")
    return 0 if all(r.passed for r in runs) else 1


class _progress:
    """A rich progress bar per phase (or nothing)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        self._bar.start()
        bar = self._bar

        def phase_started(phase: Any) -> Any:
            task = bar.add_task(phase.name, total=phase.requests)
            return lambda n: bar.advance(task, n)

        return phase_started

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.stop()
