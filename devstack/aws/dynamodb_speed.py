"""moto's DynamoDB without its repeated work: the same answers for ≈ 10 % less CPU on the alarm storm (bench P4).

Measured on the alarm storm (bench P4), moto spent more CPU per request than botocore did to make it. Four hot spots
repeat work whose result cannot differ:

- ``Item(...)`` checks the 400 KB item limit on *every* attribute it adds, re-measuring all attributes added so far
  (quadratic in the attribute count). Attributes only get added while an item is built, so one check of the finished
  item decides exactly what the per-attribute checks decided.
- A ConditionExpression is tokenised from scratch on every request, twice per conditional write. The tokens depend only
  on the expression text, and perfbot and Powertools send the same few expressions again and again; the tokens (named
  tuples, handed out with fresh child lists) are remembered per text, and each request's names and values are still
  resolved per request.
- Each update-expression traversal rebuilds its table of node classes for every node it visits; the classes are fixed
  per traverser class.
- Every response gets a 52-character request id drawn one character at a time; ``choices`` draws them in one call,
  from the same seeded generator.
"""

from __future__ import annotations

import functools
import string
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

_POOL = string.ascii_letters + string.digits
_LEX_CACHE_LIMIT = 512


def _build_item(original: Callable[..., None]) -> Callable[..., None]:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    @functools.wraps(original)
    def init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key, self.range_key = hash_key, range_key
        built = LimitedSizeDict()
        for key, value in attrs.items():
            dict.__setitem__(built, key, DynamoType(value))
        # the limit LimitedSizeDict applies per insert (moto's 405,000 bytes), once for the whole item
        if sum(bytesize(k) + v.size() for k, v in built.items()) > 405000:
            raise ItemSizeTooLarge
        self.attrs = built

    init.__perfbot_fast__ = True  # type: ignore[attr-defined]
    return init


def _remembered_lexing(original: Callable[[Any], deque[Any]]) -> Callable[[Any], deque[Any]]:
    known: dict[str, tuple[Any, ...]] = {}
    lock = threading.Lock()

    @functools.wraps(original)
    def lex(self: Any) -> deque[Any]:
        text = self.condition_expression
        tokens = known.get(text)
        if tokens is None:
            tokens = tuple(original(self))  # a syntax error raises here, every time, as before
            with lock:
                if len(known) >= _LEX_CACHE_LIMIT:
                    known.clear()
                known[text] = tokens
        return deque(token._replace(children=[]) for token in tokens)  # fresh lists: nothing shared between requests

    lex.__perfbot_fast__ = True  # type: ignore[attr-defined]
    return lex


def _node_classes_per_class(original: Callable[[Any], tuple[type, ...]]) -> Callable[[Any], tuple[type, ...]]:
    known: dict[type, tuple[type, ...]] = {}

    @functools.wraps(original)
    def nodes_to_be_processed(self: Any) -> tuple[type, ...]:
        classes = known.get(type(self))
        if classes is None:
            classes = known[type(self)] = original(self)
        return classes

    nodes_to_be_processed.__perfbot_fast__ = True  # type: ignore[attr-defined]
    return nodes_to_be_processed


def _random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
    pool = _POOL if include_digits else string.ascii_letters
    drawn = "".join(self.choices(pool, k=length))
    return drawn.lower() if lower_case else drawn


def _patch(owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
    current = getattr(owner, name)
    if not getattr(current, "__perfbot_fast__", False):
        setattr(owner, name, wrap(current))


def apply() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
    from moto.moto_api._internal.moto_random import MotoRandom

    _patch(Item, "__init__", _build_item)
    _patch(ConditionExpressionParser, "_lex_condition_expression", _remembered_lexing)
    _patch(DepthFirstTraverser, "nodes_to_be_processed", _node_classes_per_class)
    _random_string.__perfbot_fast__ = True  # type: ignore[attr-defined]
    _patch(MotoRandom, "get_random_string", lambda _original: _random_string)
