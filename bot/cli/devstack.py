"""demo, devstack, bootstrap, simulate."""

from __future__ import annotations

import argparse
import time
from typing import Any


def add_commands(subparsers: Any) -> None:
    demo = subparsers.add_parser("demo", help="run the whole perfbot story on the embedded default")
    demo.set_defaults(func=_demo)

    devstack = subparsers.add_parser("devstack", help="run embedded AWS and the Slack emulator in the foreground")
    devstack.add_argument("--aws-port", type=int, default=5000)
    devstack.add_argument("--slack-port", type=int, default=5001)
    devstack.add_argument("--no-slack", action="store_true", help="embedded AWS only")
    devstack.set_defaults(func=_devstack)

    bootstrap = subparsers.add_parser("bootstrap", help="create perfbot's tables in the configured AWS endpoint")
    bootstrap.set_defaults(func=_bootstrap)

    simulate = subparsers.add_parser("simulate", help="create the simulated service with 24 h of metrics")
    simulate.add_argument("--scenario", default="default")
    simulate.set_defaults(func=_simulate)


def _demo(_: argparse.Namespace) -> int:
    from bot.devstack.demo import run_demo

    return run_demo()


def _devstack(args: argparse.Namespace) -> int:
    from bot.devstack.stack import Devstack

    with Devstack(aws_port=args.aws_port, slack_port=args.slack_port, with_slack=not args.no_slack) as stack:
        for key, value in stack.env.items():
            print(f"{key}={value}", flush=True)
        print("# devstack running; Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)


def _bootstrap(_: argparse.Namespace) -> int:
    from bot.bootstrap import bootstrap
    from bot.settings import get_settings

    created = bootstrap(get_settings())
    print(f"created: {', '.join(created)}" if created else "all tables already exist")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from bot.devstack.simulator import simulate
    from bot.settings import get_settings

    print(simulate(get_settings(), scenario=args.scenario))
    return 0
