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


def unknown_subcommand_text(name: str, commands: list[Subcommand]) -> str:
    known = ", ".join(f"`{c.name}`" for c in commands)
    return f"I don't know `/perf {escape(name)}`. Try one of: {known}, or `/perf help`."


def usage_text(command: Subcommand, problem: str) -> str:
    return f"{escape(problem)}\nUsage: `{escape(command.usage)}`"


def working_text(command: Subcommand) -> str:
    return f":hourglass_flowing_sand: Working on `/perf {command.name}`…"


def failure_text(command: Subcommand) -> str:
    return f":warning: `/perf {command.name}` failed. The error is in perfbot's logs; nothing was changed."


def not_a_member_text(command: Subcommand) -> str:
    """Ephemeral note when perfbot answers through the command's response_url because it cannot post here."""
    return (
        f":hourglass_flowing_sand: Working on `/perf {command.name}`… perfbot is not a member of this conversation, "
        "so the answer comes through Slack's reply link. `/invite @perfbot` here for answers with graphs."
    )


def files_left_out_text(count: int) -> str:
    return f"{count} graph(s) left out: perfbot can share files only in conversations it is a member of."
