"""Composite-alarm rule expressions: parse `ALARM("a") AND NOT OK(b)` and evaluate them against alarm states.

Grammar per the PutCompositeAlarm reference: ALARM(x), OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE, combined with
AND, OR, NOT and parentheses (NOT binds tightest, then AND, then OR). x is an alarm name or ARN, quoted or not.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\(|\))|([^\s()"]+))')
STATE_FUNCTIONS = ("ALARM", "OK", "INSUFFICIENT_DATA")


class RuleError(ValueError):
    """The rule is not a valid composite alarm rule."""


def _tokens(rule: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    rule = rule.strip()
    while pos < len(rule):
        match = _TOKEN.match(rule, pos)
        if not match or match.end() == pos:
            raise RuleError(f"cannot parse the rule at position {pos}")
        quoted, paren, word = match.groups()
        if quoted is not None:
            out.append(("name", quoted.replace('\\"', '"')))
        elif paren is not None:
            out.append(("paren", paren))
        else:
            out.append(("word", word))
        pos = match.end()
    return out


Check = Callable[[str, str], bool]  # (function, alarm name or ARN) -> is the alarm in that state


class _Parser:
    def __init__(self, rule: str) -> None:
        self.tokens = _tokens(rule)
        self.pos = 0
        self.references: list[str] = []

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise RuleError("the rule ends too early")
        self.pos += 1
        return token

    def parse(self) -> Callable[[Check], bool]:
        node = self.disjunction()
        if self.peek() is not None:
            raise RuleError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def disjunction(self) -> Callable[[Check], bool]:
        parts = [self.conjunction()]
        while self.peek() is not None and self.peek()[1].upper() == "OR":  # type: ignore[index]
            self.next()
            parts.append(self.conjunction())
        return lambda check: any(part(check) for part in parts)

    def conjunction(self) -> Callable[[Check], bool]:
        parts = [self.negation()]
        while self.peek() is not None and self.peek()[1].upper() == "AND":  # type: ignore[index]
            self.next()
            parts.append(self.negation())
        return lambda check: all(part(check) for part in parts)

    def negation(self) -> Callable[[Check], bool]:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].upper() == "NOT":
            self.next()
            inner = self.negation()
            return lambda check: not inner(check)
        return self.atom()

    def atom(self) -> Callable[[Check], bool]:
        kind, text = self.next()
        if kind == "paren" and text == "(":
            inner = self.disjunction()
            self._expect(")")
            return inner
        if kind == "word" and text.upper() in ("TRUE", "FALSE"):
            value = text.upper() == "TRUE"
            return lambda _check: value
        if kind == "word" and text.upper() in STATE_FUNCTIONS and self.peek() == ("paren", "("):
            self.next()
            function = text.upper()
            name_kind, name = self.next()
            if name_kind not in ("name", "word"):
                raise RuleError(f"{function}() needs an alarm name")
            self._expect(")")
            self.references.append(name)
            return lambda check: check(function, name)
        raise RuleError(f"unexpected {text!r}")

    def _expect(self, paren: str) -> None:
        if self.next() != ("paren", paren):
            raise RuleError(f"expected {paren!r}")


def compile_rule(rule: str) -> tuple[Callable[[Check], bool], list[str]]:
    """The rule as a predicate over alarm states, plus the alarm names/ARNs it references."""
    parser = _Parser(rule)
    return parser.parse(), parser.references


def alarm_name(reference: str) -> str:
    """`arn:aws:cloudwatch:region:acct:alarm:NAME` -> NAME; a plain name stays as it is."""
    if reference.startswith("arn:") and ":alarm:" in reference:
        return reference.split(":alarm:", 1)[1]
    return reference
