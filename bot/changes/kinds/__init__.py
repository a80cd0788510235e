"""Change kinds, each defined once: ``bot/changes/kinds/<kind>.py`` holds its values model, live targets, rules,
validity, step limit and risk, apply handler, verification metrics, wording, aliases and undo.

Adding a kind: write one module like :mod:`bot.changes.kinds.lambda_memory` and list it in ``KIND_MODULES``.
Importing this package registers every kind, so an incomplete one fails here, at import.
"""

from __future__ import annotations

from bot.changes.kinds.base import ChangeKind, IncompleteKind, Number, ValueProblem, WholeNumber
from bot.changes.kinds.handler import ChangeHandler, InvalidChange, as_int, same_values, split_qualified
from bot.changes.kinds.registry import (
    KIND_MODULES,
    UnknownKind,
    all_kinds,
    describe_values,
    find_kind,
    handler_for,
    kind_names,
    kind_spec,
    kind_words,
    load_kinds,
    register,
    registered,
    unregister,
)

load_kinds()

__all__ = [
    "KIND_MODULES",
    "ChangeHandler",
    "ChangeKind",
    "IncompleteKind",
    "InvalidChange",
    "Number",
    "UnknownKind",
    "ValueProblem",
    "WholeNumber",
    "all_kinds",
    "as_int",
    "describe_values",
    "find_kind",
    "handler_for",
    "kind_names",
    "kind_spec",
    "kind_words",
    "load_kinds",
    "register",
    "registered",
    "same_values",
    "split_qualified",
    "unregister",
]
