"""``python -m bot …`` / ``perfbot …``: the same operations as ``/perf``, printed to the terminal.

Each module in ``COMMAND_MODULES`` exposes ``add_commands(subparsers)``; a parser's ``func(args) -> int`` runs it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "bot.cli.devstack",
    "bot.cli.reports",
    "bot.cli.audit",
    "bot.cli.analysis",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfbot", description="Slack ChatOps for serverless APIs on AWS.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the CLI's edge: one readable line, not a traceback
        from bot.aws.clients import AwsError
        from bot.settings import SettingsError

        if isinstance(exc, AwsError | SettingsError):
            print(f"perfbot: {exc}", file=sys.stderr)
            return 2
        raise
