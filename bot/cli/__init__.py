"""``python -m bot …`` / ``perfbot …``: the same operations as ``/perf``, printed to the terminal.

Each module in ``COMMAND_MODULES`` exposes ``add_commands(subparsers)``; a parser's ``func(args) -> int`` runs it.
``OPTIONAL_COMMAND_MODULES`` add verbs only where their package is installed: the devstack's ``demo``, ``devstack``
and ``simulate`` exist in a repository checkout, not in the Lambda artifact or a plain install.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

COMMAND_MODULES = [
    "bot.cli.setup",
    "bot.cli.reports",
    "bot.cli.audit",
    "bot.cli.analysis",
    "bot.cli.loadtest",
    "bot.cli.health",
    "bot.cli.socket_mode",
]
OPTIONAL_COMMAND_MODULES = ["devstack.cli"]


def command_modules() -> list[str]:
    optional = [m for m in OPTIONAL_COMMAND_MODULES if importlib.util.find_spec(m.partition(".")[0]) is not None]
    return [*optional, *COMMAND_MODULES]


def build_parser() -> argparse.ArgumentParser:
    from bot import __version__

    parser = argparse.ArgumentParser(prog="perfbot", description="Slack ChatOps for serverless APIs on AWS.")
    parser.add_argument("--version", action="version", version=f"perfbot {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in command_modules():
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
