"""``python -m bot demo | devstack | simulate``: the devstack's verbs, offered by ``bot.cli`` only where this package is
installed (a repository checkout); the Lambda artifact and a plain install have no devstack and no such verbs."""

from __future__ import annotations

import argparse
import time
from typing import Any


def add_commands(subparsers: Any) -> None:
    # Importing the corpus makes its scenarios selectable by `python -m bot simulate --scenario <name>`.

    demo = subparsers.add_parser("demo", help="run the whole perfbot story on the embedded default")
    demo.add_argument("--serve", action="store_true", help="keep the web channel running after the story")
    demo.add_argument("--web-port", type=int, default=0, help="the web channel's port (default: a free one)")
    demo.set_defaults(func=_demo)

    run = subparsers.add_parser("devstack", help="run embedded AWS and the Slack emulator in the foreground")
    run.add_argument("--aws-port", type=int, default=5000)
    run.add_argument("--slack-port", type=int, default=5001)
    run.add_argument("--web-port", type=int, default=0, help="the web channel's port (default: a free one)")
    run.add_argument("--no-slack", action="store_true", help="embedded AWS only")
    run.add_argument(
        "--web-transport",
        choices=["http", "socket"],
        default="http",
        help="how the web channel reaches perfbot: signed requests into the slack function (default), or Socket "
        "Mode envelopes to a `python -m bot socket --aws real` run with this devstack's exports",
    )
    run.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SERVICE:OPERATION=MODE[*N|*always][@SECONDS]",
        help="inject a fault (devstack/faults.py), e.g. slack:chat.update=error*always; more at /_devstack/faults",
    )
    run.add_argument(
        "--latency",
        default="",
        help="per-request delay around these medians, e.g. slack=100ms,aws=5ms (devstack/latency.py)",
    )
    run.add_argument("--service-port", type=int, default=0, help="the monitored monitoring-api (0: any free port)")
    run.set_defaults(func=_devstack)

    from devstack.simulator.scenarios import SCENARIOS

    scenarios = "; ".join(f"{name}: {s.description}" for name, s in sorted(SCENARIOS.items()))
    simulate = subparsers.add_parser("simulate", help="create the simulated service with 24 h of metrics")
    simulate.add_argument(
        "--scenario", default="default", choices=sorted(SCENARIOS), help=f"what the 24 h look like — {scenarios}"
    )
    simulate.add_argument(
        "--days",
        type=int,
        default=14,
        help="days of traffic in all: the last one minute by minute, the ones before hour by hour (`/perf usage`); "
        "default 14",
    )
    simulate.set_defaults(func=_simulate)


def _demo(args: argparse.Namespace) -> int:
    from devstack.demo import run_demo

    return run_demo(serve=args.serve, web_port=args.web_port)


def _devstack(args: argparse.Namespace) -> int:
    import shlex
    import sys

    from bot.settings import get_settings
    from devstack import latency
    from devstack.faults import add_specs
    from devstack.service import MonitoredService
    from devstack.stack import Devstack

    add_specs(args.fault)
    latency.configure(args.latency or None)
    stack = Devstack(aws_port=args.aws_port, slack_port=args.slack_port, with_slack=not args.no_slack)
    try:
        stack.start()
    except OSError as exc:  # a busy port: one line, not a traceback
        stack.stop()
        ports = f"--aws-port {args.aws_port} / --slack-port {args.slack_port}"
        print(
            f"perfbot devstack: cannot listen ({exc.strerror or exc}); pick free ports with {ports}, 0 = any",
            file=sys.stderr,
        )
        return 1
    try:
        env = dict(stack.env)
        if stack.slack is not None:
            from devstack.web import WebChannel, add_people

            add_people(stack.slack)
            try:
                web = WebChannel(stack, port=args.web_port, transport=args.web_transport).start()
            except OSError:  # the asked-for port is busy: any free one
                web = WebChannel(stack, transport=args.web_transport).start()
            env["WEB_URL"] = web.url
        service = MonitoredService(get_settings(), port=args.service_port).start()  # stopped with the process
        env["SERVICE_URL"] = service.url
        print("# paste into your shell to point perfbot's CLI at this devstack:", flush=True)
        for key, value in env.items():
            print(f"export {key}={shlex.quote(value)}", flush=True)
        print("# devstack running; Ctrl-C to stop", flush=True)
        while True:
            time.sleep(3600)
    finally:
        stack.stop()


def _simulate(args: argparse.Namespace) -> int:
    from bot.settings import get_settings
    from devstack.simulator import simulate

    print(simulate(get_settings(), scenario=args.scenario, days=args.days))
    return 0
