"""The `/perf` subcommand registry.

Each capability registers its subcommands here (``@subcommand(...)``), so ``/perf help`` lists exactly the commands
that exist and the `/perf` listener dispatches by lookup. This module is on the ack path: keep it free of AWS,
pydantic and settings imports.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

Visibility = Literal["in_channel", "ephemeral"]


class UsageError(Exception):
    """The user typed something we cannot run; the message is shown to them as is (ephemeral)."""


@dataclass(frozen=True)
class Invocation:
    """One `/perf` call as typed: who, where, which subcommand, its arguments."""

    name: str
    args: list[str]
    user_id: str
    channel_id: str
    team_id: str = ""
    response_url: str = ""
    trigger_id: str = ""
    postable: bool = (
        True  # False where perfbot may not post (a private channel or DM it is not in): answer via response_url
    )


@dataclass
class Attachment:
    """A file posted with a reply (graphs)."""

    filename: str
    content: bytes
    title: str


@dataclass
class Reply:
    """What a subcommand answers: text fallback, Block Kit blocks, optional files."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)


Runner = Callable[[Invocation], Reply]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    run: Runner
    visibility: Visibility = "in_channel"


_REGISTRY: dict[str, Subcommand] = {}


def subcommand(
    name: str, *, usage: str, summary: str, visibility: Visibility = "in_channel"
) -> Callable[[Runner], Runner]:
    """Register ``run`` as ``/perf <name>``. ``run`` raises :class:`UsageError` for bad arguments."""

    def register(run: Runner) -> Runner:
        _REGISTRY[name] = Subcommand(name=name, usage=usage, summary=summary, run=run, visibility=visibility)
        return run

    return register


def registered() -> list[Subcommand]:
    return sorted(_REGISTRY.values(), key=lambda s: s.name)


def lookup(name: str) -> Subcommand | None:
    return _REGISTRY.get(name)


def subcommand_name(body: dict[str, Any]) -> str:
    """The first word of the command text, lower-cased (``help`` when empty) — cheap enough for the ack path."""
    words = (body.get("text") or "").split(None, 1)
    return words[0].lower() if words else "help"


def parse(body: dict[str, Any]) -> Invocation:
    """Turn a slash-command payload into an :class:`Invocation`; quotes group words like a shell."""
    text = (body.get("text") or "").strip()
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    return Invocation(
        name=subcommand_name(body),
        args=words[1:],
        user_id=body.get("user_id", ""),
        channel_id=body.get("channel_id", ""),
        team_id=body.get("team_id", ""),
        response_url=body.get("response_url", ""),
        trigger_id=body.get("trigger_id", ""),
    )
