"""The apply side of a change kind: one shape for every handler (like moto's per-service files: same methods, same
order), so the orchestrator is kind-agnostic.

read_current → validate → apply → wait_until_done → read_back. Handlers raise :class:`InvalidChange` for values AWS
would (or should) refuse, and let :class:`bot.aws.AwsError` through.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from bot.analysis.models import Values


class InvalidChange(ValueError):
    """The proposed value is not valid for this resource; nothing was changed."""


class ChangeHandler(ABC):
    @abstractmethod
    def read_current(self, target: str) -> Values:
        """The live value, in the kind's value shape (its ``values_model``)."""

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


def same_values(expected: Values, live: Values) -> bool:
    """Every field of ``expected`` that AWS reports has the same value (numbers compared as numbers): the drift check
    before a change and the read-back after it."""
    return all(_same(value, live[key]) for key, value in expected.items() if key in live)


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return float(str(a)) == float(str(b))
    except ValueError:
        return str(a) == str(b)


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
