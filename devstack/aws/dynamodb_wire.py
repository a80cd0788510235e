"""DynamoDB responses without moto's per-attribute model walk.

moto serialises every response through the botocore model; for each AttributeValue node it tries each of the ten
members (S, N, B, SS, …) under several candidate names. An item of a few KB costs milliseconds that way — far more
than DynamoDB's own single-digit latency. Its items already hold the wire shape ({"S": "x"}, {"L": [...]}), so the
string, number, boolean, null, set, list and map nodes are emitted as they are; anything else (binary, or a shape
this does not recognise) goes through moto's own serializer, so the bytes on the wire are the same either way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

ATTRIBUTE_VALUE = "AttributeValue"
Encoder = Callable[[Any], "dict[str, Any] | None"]


def wire(value: Any) -> dict[str, Any] | None:
    """The serialised AttributeValue, or None when moto's serializer must do it (binary, odd shapes)."""
    if type(value) is not dict or len(value) != 1:
        return None
    ((tag, inner),) = value.items()
    encode = _ENCODERS.get(tag)
    return encode(inner) if encode else None


def _typed(tag: str, kind: type) -> Encoder:
    return lambda inner: {tag: inner} if type(inner) is kind else None


def _strings(tag: str) -> Encoder:
    return lambda inner: {tag: list(inner)} if type(inner) is list and all(type(v) is str for v in inner) else None


def _map(inner: Any) -> dict[str, Any] | None:
    if type(inner) is not dict:
        return None
    members = {name: wire(member) for name, member in inner.items()}
    return None if any(m is None for m in members.values()) else {"M": members}


def _list(inner: Any) -> dict[str, Any] | None:
    if type(inner) is not list:
        return None
    items = [wire(member) for member in inner]
    return None if any(i is None for i in items) else {"L": items}


_ENCODERS: dict[str, Encoder] = {
    "S": _typed("S", str),
    "N": _typed("N", str),
    "BOOL": _typed("BOOL", bool),
    "NULL": _typed("NULL", bool),
    "SS": _strings("SS"),
    "NS": _strings("NS"),
    "M": _map,
    "L": _list,
}


def _fast_structure(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def serialize(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if (
            key
            and shape.name == ATTRIBUTE_VALUE
            and self.operation_model.service_model.service_name == "dynamodb"
            and not getattr(self._value_picker, "response_transformers", None)
        ):
            encoded = wire(value)
            if encoded is not None:
                serialized[self.get_serialized_name(shape, key)] = encoded
                return
        original(self, serialized, value, shape, key)

    serialize.__perfbot_fast__ = True  # type: ignore[attr-defined]
    return serialize


def apply() -> None:
    from moto.core.serialize import BaseJSONSerializer

    method = BaseJSONSerializer._serialize_type_structure
    if not getattr(method, "__perfbot_fast__", False):
        BaseJSONSerializer._serialize_type_structure = _fast_structure(method)  # type: ignore[method-assign]
