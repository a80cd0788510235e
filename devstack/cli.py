"""``python -m bot demo | devstack | simulate``: the devstack's verbs, offered by ``bot.cli`` only where this package is
installed (a repository checkout); the Lambda artifact and a plain install have no devstack and no such verbs."""

from __future__ import annotations

import argparse
import time
from typing import Any


def add_commands(subparsers: Any) -> None:
    # Importing the corpus makes its scenarios selectable by `python -m bot simulate --scenario <name>`.

    demo = subparsers.add_parser("demo", help="run the whole perfbot story on the embedded default")
    demo.set_defaults(func=_demo)

    run = subparsers.add_parser("devstack", help="run embedded AWS and the Slack emulator in the foreground")
    run.add_argument("--aws-port", type=int, default=5000)
    run.add_argument("--slack-port", type=int, default=5001)
    run.add_argument("--no-slack", action="store_true", help="embedded AWS only")
    run.add_argument("--service-port", type=int, default=0, help="the monitored monitoring-api (0: any free port)")
    run.set_defaults(func=_devstack)

    simulate = subparsers.add_parser("simulate", help="create the simulated service with 24 h of metrics")
    simulate.add_argument("--scenario", default="default")
    simulate.set_defaults(func=_simulate)


def _demo(_: argparse.Namespace) -> int:
    from devstack.demo import run_demo

    return run_demo()


def _devstack(args: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from devstack.service import MonitoredService
    from devstack.stack import Devstack

    with Devstack(aws_port=args.aws_port, slack_port=args.slack_port, with_slack=not args.no_slack) as stack:
        for key, value in stack.env.items():
            print(f"{key}={value}", flush=True)
        service = MonitoredService(get_settings(), port=args.service_port).start()  # stopped with the process
        print(f"SERVICE_URL={service.url}", flush=True)
        print("# devstack running; Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)


def _simulate(args: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from devstack.simulator import simulate

    print(simulate(get_settings(), scenario=args.scenario))
    return 0
