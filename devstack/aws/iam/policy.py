"""IAM identity-policy evaluation for the embedded AWS: what AWS decides for one action on one resource.

As IAM evaluates identity-based policies (no resource policies, boundaries or SCPs here): an explicit Deny in any
statement wins; otherwise the request needs an Allow whose Action (or NotAction) and Resource (or NotResource) match
and whose Condition holds; otherwise it is implicitly denied. Actions match case-insensitively, resources
case-sensitively, both with the ``*`` and ``?`` wildcards.

Conditions are evaluated for the operators IAM defines (String*, Arn*, Numeric*, Date*, Bool, Null, with
``…IfExists`` and the ``ForAllValues:`` / ``ForAnyValue:`` set qualifiers) against the request context keys the
embedded AWS can know (:data:`KNOWN_GLOBAL_KEYS` and the per-service keys the request mapping sets). A key it cannot
know makes the whole condition unsatisfiable: an Allow that depends on it grants nothing, and a Deny that depends on
it denies nothing. A key it does know but that the request lacks follows IAM's rules for a missing key (a positive
operator fails, a negated one holds, ``…IfExists`` holds, ``Null: true`` holds).

Statements compile once per policy document text (patterns become one regular expression per element); decisions
without conditions are remembered per (action, resource).
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ContextValue = str | Sequence[str]
Context = Mapping[str, ContextValue]

# Global condition keys the embedded AWS sets (when they apply to the request) and therefore knows to be absent when
# a request lacks them. Lower case: IAM condition key names are case-insensitive.
KNOWN_GLOBAL_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:userid",
        "aws:username",
        "aws:requestedregion",
        "aws:currenttime",
        "aws:epochtime",
        "aws:viaawsservice",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
    }
)
_CACHE_LIMIT = 4096


@dataclass(frozen=True)
class Decision:
    """The outcome for one action on one resource; ``statement`` is the Sid of the deciding Deny or Allow."""

    allowed: bool
    explicit_deny: bool = False
    statement: str = ""
    policy: str = ""


IMPLICIT_DENY = Decision(allowed=False)


# ----------------------------------------------------------------------------------------------- patterns


class Patterns:
    """An Action/Resource element: one compiled regular expression for all its ``*`` / ``?`` patterns."""

    __slots__ = ("_regex", "everything")

    def __init__(self, patterns: Iterable[str], *, ignore_case: bool) -> None:
        texts = list(patterns)
        self.everything = "*" in texts
        body = "|".join(_wildcard(p) for p in texts) or r"(?!)"
        self._regex = re.compile(f"(?:{body})\\Z", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)

    def match(self, value: str) -> bool:
        return self.everything or self._regex.match(value) is not None


def _wildcard(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# ----------------------------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class _Test:
    """One key of one operator: ``operator`` with its qualifiers, against the policy's ``values`` (any matches)."""

    operator: str  # the base operator, e.g. "StringLike"
    key: str  # lower case
    values: tuple[str, ...]
    if_exists: bool = False
    quantifier: str = ""  # "", "forallvalues" or "foranyvalue"

    def holds(self, context: Context, service: str) -> bool | None:
        """True / False, or None when the embedded AWS cannot know the key (the condition is unsatisfiable)."""
        present = self.key in context
        if not present and not _knowable(self.key, service):
            return None
        if self.operator == "Null":
            wants_null = self.values[0].lower() == "true" if self.values else True
            return wants_null != present
        negated = self.operator in _NEGATED
        if not present:  # IAM: a positive operator fails, a negated one, …IfExists and ForAllValues (empty set) hold
            return self.if_exists or negated or self.quantifier == "forallvalues"
        raw = context[self.key]
        actual = [raw] if isinstance(raw, str) else list(raw)
        positive = _POSITIVE.get(self.operator, self.operator)

        def matches(value: str) -> bool:  # a negated operator: the value equals / is like none of the policy's
            return any(_compare(positive, value, expected) for expected in self.values) != negated

        if self.quantifier == "forallvalues":
            return all(matches(v) for v in actual)
        return any(matches(v) for v in actual)  # ForAnyValue, or a single value


_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
}
_POSITIVE = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
}
_OPERATORS = {
    "StringEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "ArnEquals",
    "ArnLike",
    "NumericEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "Null",
} | _NEGATED


def _knowable(key: str, service: str) -> bool:
    """Whether a key absent from the context is known to be absent (vs something the emulator cannot know)."""
    if key.startswith("aws:"):
        return key in KNOWN_GLOBAL_KEYS
    prefix = key.split(":", 1)[0]
    return prefix != service  # another service's key is never in this service's request context


def _compare(operator: str, actual: str, expected: str) -> bool:
    compare = _COMPARISONS.get(operator)
    if compare is None:
        if operator.startswith("Numeric"):
            compare = lambda a, e: _ordered(operator.removeprefix("Numeric"), float(a), float(e))  # noqa: E731
        elif operator.startswith("Date"):
            compare = lambda a, e: _ordered(operator.removeprefix("Date"), _epoch(a), _epoch(e))  # noqa: E731
        else:
            return False
    try:
        return compare(actual, expected)
    except ValueError:  # a number, date or address that does not parse matches nothing
        return False


def _arn_like(actual: str, expected: str) -> bool:
    """ArnLike / ArnEquals: six colon-separated parts, each matched with wildcards (the resource part may hold ':')."""
    a, e = actual.split(":", 5), expected.split(":", 5)
    if len(a) != 6 or len(e) != 6:
        return False
    return all(re.fullmatch(_wildcard(pe), pa, re.DOTALL) is not None for pa, pe in zip(a, e, strict=True))


_COMPARISONS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda a, e: a == e,
    "StringEqualsIgnoreCase": lambda a, e: a.lower() == e.lower(),
    "StringLike": lambda a, e: re.fullmatch(_wildcard(e), a, re.DOTALL) is not None,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
    "Bool": lambda a, e: a.lower() == e.lower(),
    "BinaryEquals": lambda a, e: a == e,
    "IpAddress": lambda a, e: ipaddress.ip_address(a) in ipaddress.ip_network(e, strict=False),
}


def _ordered(relation: str, actual: float, expected: float) -> bool:
    return {
        "Equals": actual == expected,
        "LessThan": actual < expected,
        "LessThanEquals": actual <= expected,
        "GreaterThan": actual > expected,
        "GreaterThanEquals": actual >= expected,
    }.get(relation, False)


def _epoch(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def _tests(condition: Mapping[str, Any]) -> tuple[_Test, ...]:
    tests = []
    for raw_operator, block in condition.items():
        quantifier, _, operator = raw_operator.rpartition(":")
        if_exists = operator.endswith("IfExists") and operator != "IfExists"
        base = operator.removesuffix("IfExists") if if_exists else operator
        if base not in _OPERATORS:
            raise ValueError(f"unknown condition operator {raw_operator!r}")
        for key, values in dict(block).items():
            tests.append(
                _Test(
                    operator=base,
                    key=key.lower(),
                    values=tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in _as_list(values)),
                    if_exists=if_exists,
                    quantifier=quantifier.lower(),
                )
            )
    return tuple(tests)


# ----------------------------------------------------------------------------------------------- statements


@dataclass(frozen=True)
class Statement:
    sid: str
    policy: str
    allow: bool
    actions: Patterns
    actions_negated: bool
    resources: Patterns
    resources_negated: bool
    conditions: tuple[_Test, ...] = field(default=())

    def applies_to(self, action: str, resource: str) -> bool:
        if self.actions.match(action) == self.actions_negated:
            return False
        return self.resources.match(resource) != self.resources_negated

    def condition_holds(self, context: Context, service: str) -> bool:
        return all(test.holds(context, service) is True for test in self.conditions)


def compile_document(document: Mapping[str, Any] | str, policy: str = "") -> list[Statement]:
    """The statements of one identity-based policy document (dict or JSON text)."""
    doc = json.loads(document) if isinstance(document, str) else document
    statements = []
    for index, raw in enumerate(_as_list(doc.get("Statement", []))):
        if "Principal" in raw or "NotPrincipal" in raw:
            raise ValueError("an identity-based policy has no Principal element")
        action_key = "NotAction" if "NotAction" in raw else "Action"
        resource_key = "NotResource" if "NotResource" in raw else "Resource"
        statements.append(
            Statement(
                sid=str(raw.get("Sid") or f"statement {index + 1}"),
                policy=policy,
                allow=raw["Effect"] == "Allow",
                actions=Patterns(_as_list(raw.get(action_key, [])), ignore_case=True),
                actions_negated=action_key == "NotAction",
                resources=Patterns(_as_list(raw.get(resource_key, [])), ignore_case=False),
                resources_negated=resource_key == "NotResource",
                conditions=_tests(raw.get("Condition") or {}),
            )
        )
    return statements


class PolicySet:
    """Every statement that applies to one principal; ``decide`` is IAM's identity-policy evaluation."""

    def __init__(self, statements: Iterable[Statement]) -> None:
        self.statements = tuple(statements)
        self.denies = tuple(s for s in self.statements if not s.allow)
        self.allows = tuple(s for s in self.statements if s.allow)
        # "*" on "*" without a condition and no Deny anywhere: every request is allowed (the operator)
        self.allows_everything = not self.denies and any(
            s.actions.everything
            and not s.actions_negated
            and s.resources.everything
            and not s.resources_negated
            and not s.conditions
            for s in self.allows
        )
        self._known: dict[tuple[str, str], Decision] = {}
        self._lock = threading.Lock()

    def decide(self, action: str, resource: str, context: Context, service: str = "") -> Decision:
        if self.allows_everything:
            return Decision(allowed=True)
        key = (action, resource)
        known = self._known.get(key)
        if known is not None:
            return known
        denying, conditional = _first_holding(self.denies, action, resource, context, service)
        if denying is not None:
            decision = Decision(False, True, denying.sid, denying.policy)
        else:
            allowing, conditional_allow = _first_holding(self.allows, action, resource, context, service)
            decision = Decision(True, False, allowing.sid, allowing.policy) if allowing else IMPLICIT_DENY
            conditional = conditional or conditional_allow
        if not conditional:  # the same answer for every request context: remember it
            with self._lock:
                if len(self._known) >= _CACHE_LIMIT:
                    self._known.clear()
                self._known[key] = decision
        return decision


def _first_holding(
    statements: Iterable[Statement], action: str, resource: str, context: Context, service: str
) -> tuple[Statement | None, bool]:
    """The first statement that applies and whose condition holds; and whether any applicable one had a condition."""
    conditional = False
    for statement in statements:
        if statement.applies_to(action, resource):
            conditional = conditional or bool(statement.conditions)
            if statement.condition_holds(context, service):
                return statement, conditional
    return None, conditional


_compiled: dict[tuple[tuple[str, str], ...], PolicySet] = {}
_compiled_lock = threading.Lock()


def policy_set(documents: Sequence[tuple[str, str]]) -> PolicySet:
    """The PolicySet of (policy name, document JSON) pairs, compiled once per distinct set of documents."""
    key = tuple(documents)
    found = _compiled.get(key)
    if found is None:
        found = PolicySet(s for name, text in documents for s in compile_document(text, name))
        with _compiled_lock:
            if len(_compiled) >= 256:
                _compiled.clear()
            _compiled[key] = found
    return found
