"""The change kinds perfbot knows, registered from one list of modules (as ``LISTENER_MODULES`` / ``TASK_MODULES``).

Each module in ``KIND_MODULES`` defines ``KIND = <ChangeKind subclass>()``. Everything else — guardrails, rules,
the model's tool schema, handlers, verification, cards, ``/perf analyze`` words, the CLI — asks this registry, and
an unknown kind is an :class:`UnknownKind` error wherever it is asked for, never a silent default.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from bot.changes.kinds.base import ChangeKind, IncompleteKind
from bot.changes.kinds.handler import ChangeHandler

KIND_MODULES: list[str] = [
    "bot.changes.kinds.lambda_memory",
    "bot.changes.kinds.lambda_provisioned_concurrency",
    "bot.changes.kinds.scheduled_provisioned_concurrency",
    "bot.changes.kinds.apigw_cache",
    "bot.changes.kinds.apigw_throttling",
    "bot.changes.kinds.dynamodb_capacity",
    "bot.changes.kinds.breaker_thresholds",
]

AnyKind = ChangeKind[Any]

_kinds: dict[str, AnyKind] = {}
_lock = threading.RLock()
_loaded = False


class UnknownKind(ValueError):
    """A kind no module registered; the message lists the known ones."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown change kind {kind!r}; known kinds: {', '.join(_load())}")
        self.kind = kind


def register(kind: AnyKind) -> None:
    """Add ``kind``; its name and aliases must not collide with another kind's."""
    if not isinstance(kind, ChangeKind):
        raise IncompleteKind(f"{kind!r} is not a ChangeKind")
    with _lock:
        if kind.name in _kinds:
            raise ValueError(f"change kind {kind.name!r} is registered twice")
        taken = {word: other.name for other in _kinds.values() for word in (other.name, *other.aliases)}
        for word in (kind.name, *kind.aliases):
            if word in taken:
                raise ValueError(f"change kind {kind.name!r}: {word!r} already names {taken[word]!r}")
        _kinds[kind.name] = kind


def unregister(name: str) -> None:
    with _lock:
        _kinds.pop(name, None)


def load_kinds() -> None:
    """Import every module of ``KIND_MODULES`` and register its ``KIND`` (once)."""
    global _loaded  # noqa: PLW0603 — the registry is process state, like Bolt's listener registry
    with _lock:
        if _loaded:
            return
        _loaded = True  # before the imports: a kind module that asks the registry must not load it again
        try:
            for module_name in KIND_MODULES:
                kind = getattr(importlib.import_module(module_name), "KIND", None)
                if kind is None:
                    raise IncompleteKind(f"{module_name} defines no KIND = <ChangeKind subclass>()")
                register(kind)
        except BaseException:
            _loaded = False
            _kinds.clear()
            raise


def _load() -> dict[str, AnyKind]:
    load_kinds()
    return _kinds


def kind_spec(name: str) -> AnyKind:
    """The spec of ``name``, or :class:`UnknownKind`."""
    kind = _load().get(name)
    if kind is None:
        raise UnknownKind(name)
    return kind


def find_kind(name: str) -> AnyKind | None:
    return _load().get(name)


def all_kinds() -> list[AnyKind]:
    """Every registered kind, in registration order (``KIND_MODULES`` first)."""
    with _lock:
        return list(_load().values())


def kind_names() -> tuple[str, ...]:
    return tuple(kind.name for kind in all_kinds())


def kind_words() -> dict[str, str]:
    """Friendly word → kind name, for `/perf analyze memory`."""
    return {alias: kind.name for kind in all_kinds() for alias in kind.aliases}


def handler_for(kind: str) -> ChangeHandler:
    return kind_spec(kind).handler()


def describe_values(kind: str, values: Mapping[str, Any]) -> str:
    """Values in words, the same on cards, in analysis summaries and in the terminal.

    Values that are not this kind's shape (an audit event's p95 before and after) are listed field by field.
    """
    if not values:
        return "unknown"
    spec = kind_spec(kind)
    if spec.describes(values):
        return spec.describe(dict(values))
    return ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in values.items())


@contextmanager
def registered(*kinds: AnyKind) -> Iterator[None]:
    """Register ``kinds`` for the duration of a ``with`` block (a test's toy kind), then remove them."""
    load_kinds()
    added: list[str] = []
    try:
        for kind in kinds:
            register(kind)
            added.append(kind.name)
        yield
    finally:
        for name in added:
            unregister(name)
