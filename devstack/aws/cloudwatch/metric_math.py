"""A small CloudWatch metric math engine: tokenizer, recursive-descent parser and evaluator (no eval()).

Supported, following the CloudWatch metric math syntax: numbers, query ids (which may name other expressions),
parentheses, unary minus/plus, `+ - * / ^`, and the functions ABS(x), FILL(series, number), and SUM/AVG/MIN/MAX
of one series (a scalar) or of an array `[a, b, ...]` (a series, per timestamp over the union of timestamps).

Semantics: a series is {timestamp: value}. Two series combine on the timestamps both have (the intersection,
which is why CloudWatch offers FILL); a series and a scalar combine point by point. A point whose result is not
finite (division by zero) is dropped. FILL fills every period timestamp of the query's time range.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

Value = float | dict[float, float]
Resolver = Callable[[str], dict[float, float]]

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(.))")
_FUNCTIONS = ("ABS", "FILL", "SUM", "AVG", "MIN", "MAX")


class MathError(ValueError):
    """A syntax or reference error; the caller turns it into CloudWatch's ValidationError."""


@dataclass(frozen=True)
class Node:
    kind: str  # num | id | neg | bin | call | array
    value: object = None
    children: tuple[Node, ...] = ()


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise MathError(f"unexpected character at position {pos}")
        number, name, op = match.groups()
        if number is not None:
            tokens.append(("num", number))
        elif name is not None:
            tokens.append(("name", name))
        elif op in "+-*/^(),[]":
            tokens.append(("op", op))
        else:
            raise MathError(f"unexpected character {op!r} at position {match.start(3)}")
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, op: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (op is not None and token != ("op", op)):
            found = token[1] if token else "end of expression"
            raise MathError(f"expected {op or 'a value'!r} but found {found!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise MathError("empty expression")
        node = self.expr()
        if self.peek() is not None:
            raise MathError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def expr(self) -> Node:
        node = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            node = Node("bin", op, (node, self.term()))
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            node = Node("bin", op, (node, self.unary()))
        return node

    def unary(self) -> Node:
        if self.peek() == ("op", "-"):
            self.take()
            return Node("neg", None, (self.unary(),))
        if self.peek() == ("op", "+"):
            self.take()
            return self.unary()
        node = self.primary()
        if self.peek() == ("op", "^"):
            self.take()
            return Node("bin", "^", (node, self.unary()))
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return Node("num", float(text))
        if kind == "name":
            if self.peek() == ("op", "("):
                return self.call(text)
            if not text[0].islower():
                raise MathError(f"unknown identifier {text!r}")
            return Node("id", text)
        if text == "(":
            node = self.expr()
            self.take(")")
            return node
        if text == "[":
            items = [self.expr()]
            while self.peek() == ("op", ","):
                self.take()
                items.append(self.expr())
            self.take("]")
            return Node("array", None, tuple(items))
        raise MathError(f"unexpected {text!r}")

    def call(self, name: str) -> Node:
        if name not in _FUNCTIONS:
            raise MathError(f"unsupported function {name!r}")
        self.take("(")
        args = [self.expr()]
        while self.peek() == ("op", ","):
            self.take()
            args.append(self.expr())
        self.take(")")
        return Node("call", name, tuple(args))


def parse(text: str) -> Node:
    return _Parser(text).parse()


def references(node: Node) -> set[str]:
    """The query ids an expression refers to."""
    found = {str(node.value)} if node.kind == "id" else set()
    for child in node.children:
        found |= references(child)
    return found


def _apply(op: str, a: float, b: float) -> float:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b if b != 0 else math.nan
        return float(a**b)
    except (OverflowError, ZeroDivisionError, TypeError):
        return math.nan


def _clean(series: dict[float, float]) -> dict[float, float]:
    return {t: v for t, v in series.items() if math.isfinite(v)}


def _binary(op: str, left: Value, right: Value) -> Value:
    if isinstance(left, dict) and isinstance(right, dict):
        return _clean({t: _apply(op, v, right[t]) for t, v in left.items() if t in right})
    if isinstance(left, dict):
        return _clean({t: _apply(op, v, float(right)) for t, v in left.items()})  # type: ignore[arg-type]
    if isinstance(right, dict):
        return _clean({t: _apply(op, left, v) for t, v in right.items()})
    return _apply(op, left, right)


_AGGREGATES: dict[str, Callable[[list[float]], float]] = {
    "SUM": sum,
    "AVG": lambda xs: sum(xs) / len(xs),
    "MIN": min,
    "MAX": max,
}


class Evaluator:
    """Evaluates a parsed expression; `resolve` returns the series of another query id, `grid` the periods."""

    def __init__(self, resolve: Resolver, grid: list[float]) -> None:
        self.resolve = resolve
        self.grid = grid

    def eval(self, node: Node) -> Value:
        if node.kind == "num":
            return float(node.value)  # type: ignore[arg-type]
        if node.kind == "id":
            return self.resolve(str(node.value))
        if node.kind == "neg":
            return _binary("*", -1.0, self.eval(node.children[0]))
        if node.kind == "bin":
            return _binary(str(node.value), self.eval(node.children[0]), self.eval(node.children[1]))
        if node.kind == "array":
            raise MathError("an array [..] can only be the argument of SUM, AVG, MIN or MAX")
        return self.call(str(node.value), node.children)

    def call(self, name: str, args: tuple[Node, ...]) -> Value:
        if name == "ABS":
            self._arity(name, args, 1)
            return self._abs(self.eval(args[0]))
        if name == "FILL":
            self._arity(name, args, 2)
            series, fill = self.eval(args[0]), self.eval(args[1])
            if not isinstance(series, dict) or isinstance(fill, dict):
                raise MathError("FILL takes a time series and a number")
            return {t: series.get(t, fill) for t in sorted(set(self.grid) | set(series))}
        if len(args) == 1 and args[0].kind == "array":
            members = [self.eval(item) for item in args[0].children]
            stamps = sorted({t for m in members if isinstance(m, dict) for t in m})
            out: dict[float, float] = {}
            for t in stamps:
                values = [m[t] if isinstance(m, dict) else m for m in members if not isinstance(m, dict) or t in m]
                out[t] = _AGGREGATES[name](values)
            return out
        self._arity(name, args, 1)
        value = self.eval(args[0])
        if not isinstance(value, dict):
            return value
        return _AGGREGATES[name](list(value.values())) if value else math.nan

    @staticmethod
    def _abs(value: Value) -> Value:
        return {t: abs(v) for t, v in value.items()} if isinstance(value, dict) else abs(value)

    @staticmethod
    def _arity(name: str, args: tuple[Node, ...], count: int) -> None:
        if len(args) != count:
            raise MathError(f"{name} takes {count} argument(s), got {len(args)}")


def evaluate(text: str, resolve: Resolver, grid: list[float]) -> dict[float, float]:
    """Evaluate `text` to a series; a scalar result is spread over `grid` (as CloudWatch draws a constant)."""
    result = Evaluator(resolve, grid).eval(parse(text))
    if isinstance(result, dict):
        return dict(sorted(result.items()))
    return dict.fromkeys(grid, result) if math.isfinite(result) else {}
