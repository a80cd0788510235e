"""The spec of a change kind: everything perfbot knows about one kind of change, in one class.

A kind module defines a pydantic values model (shape, types and AWS-valid ranges; its JSON schema is the model's
tool description), a :class:`ChangeKind` subclass and ``KIND = ThatKind()``; :mod:`bot.changes.kinds.registry`
registers it from ``KIND_MODULES``. A subclass that leaves out a name, title, aliases, target hint, values model or
one of the abstract methods (rules, live targets, risk, handler, metrics, wording) fails when it is defined.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, TypeVar

from annotated_types import Ge, Le
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from bot.analysis.models import Values

if TYPE_CHECKING:
    from bot.analysis.inputs import ServiceInputs
    from bot.analysis.models import Recommendation, Risk
    from bot.analysis.rule_context import RuleContext
    from bot.aws.cloudwatch import MetricQuery
    from bot.changes.kinds.handler import ChangeHandler
    from bot.settings import MaxStep, Settings


class ValueProblem(ValueError):
    """A proposed value AWS (or common sense, for breakers) would not accept."""


class IncompleteKind(TypeError):
    """A change kind without one of the parts every kind must define."""


def _whole_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        raise PydanticCustomError("whole_number", "must be a whole number")
    return int(value)


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number", "must be a number")
    return float(value)


# Field types of values models: JSON numbers as a model writes them (1536.0 is a whole number; true and "1536" are not)
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Number = Annotated[float, BeforeValidator(_number)]

V = TypeVar("V", bound=BaseModel)

_ATTRIBUTES = ("name", "title", "aliases", "target_hint", "values_model")


class ChangeKind(ABC, Generic[V]):
    """One kind of change: analysis (targets, rules, validity, step, risk), apply, verification, undo and wording."""

    name: ClassVar[str]  # the allow-listed kind, e.g. "lambda_memory" (stored in proposals and the audit log)
    title: ClassVar[str]  # "Lambda memory": cards, analysis summaries, the CLI
    aliases: ClassVar[tuple[str, ...]]  # words for `/perf analyze <word>`, e.g. ("memory",)
    target_hint: ClassVar[str]  # what a target looks like, for the model: "function name"
    values_model: type[V]  # the value shape with types and AWS-valid ranges

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        missing = [attr for attr in _ATTRIBUTES if getattr(cls, attr, None) is None]
        model = getattr(cls, "values_model", None)
        if model is not None and not (isinstance(model, type) and issubclass(model, BaseModel)):
            missing.append("values_model (a pydantic model)")
        missing += sorted(
            method
            for method in ChangeKind.__abstractmethods__
            if getattr(getattr(cls, method, None), "__isabstractmethod__", False)
        )
        if missing:
            raise IncompleteKind(f"change kind {cls.__name__} is incomplete: define {', '.join(missing)}")

    # -- analysis ---------------------------------------------------------------------------------------------

    @abstractmethod
    def live_targets(self, inputs: ServiceInputs) -> dict[str, Values]:
        """target → its live values, for every resource of the service this kind may change."""

    @abstractmethod
    def rules(self, inputs: ServiceInputs, ctx: RuleContext) -> list[Recommendation]:
        """The rule engine's recommendations of this kind; each quotes the numbers it used, none guesses."""

    @abstractmethod
    def risk(self, current: Values, proposed: Values) -> Risk:
        """The risk of going from ``current`` to ``proposed`` (computed by code, never taken from a model)."""

    def check_live(self, target: str, proposed: V, inputs: ServiceInputs) -> None:
        """Raise :class:`ValueProblem` when valid values are still wrong for this target (e.g. $LATEST)."""

    def step_problem(self, current: Values, proposed: Values, step: MaxStep) -> str | None:
        """Why the change is a larger step than ``changes.max_step`` allows, or None."""
        return None

    def evidence_problem(self, target: str, current: Values, proposed: Values, inputs: ServiceInputs) -> str | None:
        """Why the measurements do not support this direction of change (the rules would refuse it), or None.
        Asked of every proposal, so a model cannot propose what the rules would refuse for lack of evidence."""
        return None

    def canonical(self, values: dict[str, Any]) -> dict[str, Any]:
        """The model's spelling of values → ours (e.g. 0.5 → "0.5"), before anything compares them."""
        return values

    # -- change -----------------------------------------------------------------------------------------------

    @abstractmethod
    def handler(self) -> ChangeHandler:
        """The apply side: drift read, validation against AWS, apply, wait, read back."""

    def inverse(self, before: Values, after: Values) -> Values:
        """The value that undoes the change: the ``before`` of every field the change set."""
        return {key: before[key] for key in after if key in before}

    # -- verification -----------------------------------------------------------------------------------------

    @abstractmethod
    def metrics(self, service: str, target: str, settings: Settings) -> list[MetricQuery]:
        """The series a change of this kind is meant to improve (ids m0, m1 …); the first one names the result."""

    # -- words ------------------------------------------------------------------------------------------------

    @abstractmethod
    def describe(self, values: Values) -> str:
        """Values in the words an SRE would use (``1024 MB``, ``1000 rps, burst 2000``)."""

    # -- provided ---------------------------------------------------------------------------------------------

    def check_values(self, target: str, proposed: Values, inputs: ServiceInputs) -> None:
        """Raise :class:`ValueProblem` unless ``proposed`` has the kind's shape and AWS-valid values for ``target``."""
        fields = set(self.values_model.model_fields)
        if set(proposed) != fields:
            raise ValueProblem(f"{self.name} values must be exactly {sorted(fields)}, got {sorted(proposed)}")
        try:
            values = self.values_model.model_validate(proposed)
        except ValidationError as exc:
            raise ValueProblem(_in_words(exc.errors()[0], self.values_model, proposed)) from None
        self.check_live(target, values, inputs)

    def value_schema(self) -> dict[str, Any]:
        """The JSON schema of the values (for the model's tool description)."""
        return self.values_model.model_json_schema()

    def describes(self, values: Mapping[str, object]) -> bool:
        """Whether :meth:`describe` can word these values: fields of this kind, its first field among them."""
        fields = list(self.values_model.model_fields)
        return bool(values) and fields[0] in values and set(values) <= set(fields)


def _bound(model: type[BaseModel], key: str) -> tuple[str, str]:
    low = high = None
    for constraint in model.model_fields[key].metadata:
        if isinstance(constraint, Ge):
            low = constraint.ge
        elif isinstance(constraint, Le):
            high = constraint.le

    def words(bound: object) -> str:
        return f"{bound:g}" if isinstance(bound, float) else str(bound)

    return words(low), words(high)


def _in_words(error: ErrorDetails, model: type[BaseModel], values: Mapping[str, object]) -> str:
    """A pydantic error as the guardrails say it (``memory_mb 64 is outside 128–10240``)."""
    key = str(error["loc"][0]) if error["loc"] else ""
    raw = values.get(key)
    if error["type"] == "whole_number":
        return f"{key} must be a whole number, got {raw!r}"
    if error["type"] == "number":
        return f"{key} must be a number, got {raw!r}"
    if error["type"] == "bool_type":
        return f"{key} must be true or false, got {raw!r}"
    if error["type"] in ("greater_than_equal", "less_than_equal"):
        low, high = _bound(model, key)
        return f"{key} {raw} is outside {low}–{high}"
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError):  # the model's own check, e.g. a cache size that does not exist
        return str(cause)
    return f"{key}: {error['msg']}" if key else error["msg"]


def plain_number(value: object) -> str:
    """A number as people write it: ``1000.0`` → ``1000``, ``0.5`` → ``0.5``."""
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return str(value)


def beyond(current: Values, proposed: Values, key: str, factor: float) -> bool:
    """Whether ``key`` grows or shrinks by more than ``factor`` (a step limit of ``changes.max_step``)."""
    before, after = float(current[key]), float(proposed[key])
    return before > 0 and (after > before * factor or after < before / factor)


def step_beyond(current: Values, proposed: Values, keys: tuple[str, ...], factor: float) -> str | None:
    """The first of ``keys`` that moves by more than ``factor``, in words (``read_units step 50 → 500 exceeds ×2``)."""
    for key in keys:
        if beyond(current, proposed, key, factor):
            return f"{key} step {current[key]} → {proposed[key]} exceeds ×{factor}"
    return None
