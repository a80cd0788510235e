"""bootstrap: create perfbot's own tables wherever AWS is configured (production uses serverless.yml instead)."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(subparsers: Any) -> None:
    bootstrap = subparsers.add_parser("bootstrap", help="create perfbot's tables in the configured AWS endpoint")
    bootstrap.set_defaults(func=_bootstrap)


def _bootstrap(_: argparse.Namespace) -> int:
    from bot.bootstrap import bootstrap
    from bot.settings import get_settings

    created = bootstrap(get_settings())
    print(f"created: {', '.join(created)}" if created else "all tables already exist")
    return 0
