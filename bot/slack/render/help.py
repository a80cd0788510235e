"""`/perf help` and usage messages."""

from __future__ import annotations

from bot.slack.commands import Subcommand
from bot.slack.render.kit import Block, context, escape, header, section


def help_blocks(commands: list[Subcommand]) -> list[Block]:
    lines = [f"`{escape(c.usage)}` — {escape(c.summary)}" for c in commands]
    return [
        header("perfbot — performance ChatOps"),
        section("\n".join(lines) if lines else "No commands are available."),
        context("Arguments in [brackets] are optional. Windows: 1h, 24h, 7d, 30d."),
    ]


def help_text(commands: list[Subcommand]) -> str:
    return "perfbot commands: " + ", ".join(f"/perf {c.name}" for c in commands)
