"""The one shape every change handler has (like moto's per-service files: same methods, same order).

read_current → validate → apply → wait_until_done → read_back, and ``inverse`` describes the undo.
Handlers raise :class:`InvalidChange` for values AWS would (or should) refuse, and let :class:`AwsError` through.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from bot.analysis.models import Values


class InvalidChange(ValueError):
    """The proposed value is not valid for this resource; nothing was changed."""


class ChangeHandler(ABC):
    kind: str

    @abstractmethod
    def read_current(self, target: str) -> Values:
        """The live value, in the proposal's value shape (see bot/analysis/models.py)."""

    @abstractmethod
    def validate(self, target: str, after: Values) -> None:
        """Raise InvalidChange unless ``after`` is a value AWS accepts for ``target``."""

    @abstractmethod
    def apply(self, target: str, after: Values) -> list[str]:
        """Make the change; return AWS's request ids."""

    @abstractmethod
    def wait_until_done(self, target: str) -> None:
        """Block until AWS reports the update finished (raise AwsError if it failed)."""

    def read_back(self, target: str) -> Values:
        """The value after the change, read from AWS (not echoed from the request)."""
        return self.read_current(target)

    def inverse(self, before: Values, after: Values) -> Values:
        """The value that undoes the change: the ``before`` of every field the change set."""
        return {key: before[key] for key in after if key in before}


def as_int(values: Values, key: str, *, low: int, high: int | None = None) -> int:
    """An integer field within [low, high], or InvalidChange saying which rule it broke."""
    raw = values.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or int(raw) != raw:
        raise InvalidChange(f"{key} must be a whole number, got {raw!r}")
    value = int(raw)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidChange(f"{key} must be {bound}, got {value}")
    return value


def split_qualified(target: str) -> tuple[str, str]:
    """``function:qualifier`` → (function, qualifier); the qualifier may be empty."""
    name, _, qualifier = target.partition(":")
    return name, qualifier
