"""Request routing in moto's server without re-scanning its package and handler classes on every request.

For each request moto's dispatcher lists its own package directory (a ``listdir`` and an ``isdir`` per service, twice)
and tries every service's URL patterns against the Host header, under a process-wide lock; then it lists the handler
class's methods with ``inspect.getmembers`` to find the action. The answers depend only on the host string, moto's
installed files and the class's methods, none of which changes while the server runs, so they are remembered (the
method list per class and its attribute counts, so a method added later is still seen). Which backend and which
action serve a request is exactly what it was.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_MISSING = object()


def _remembered(original: Callable[[Any, str | None], Any]) -> Callable[[Any, str | None], Any]:
    lock = threading.Lock()
    known: dict[str | None, Any] = {}

    @functools.wraps(original)
    def backend_for_host(self: Any, host: str | None) -> Any:
        found = known.get(host, _MISSING)
        if found is _MISSING:
            found = original(self, host)
            with lock:
                known[host] = found
        return found

    backend_for_host.__perfbot_remembered__ = True  # type: ignore[attr-defined]
    return backend_for_host


def _remembered_methods(original: Callable[[object], list[str]]) -> Callable[[object], list[str]]:
    known: dict[tuple[object, tuple[int, ...]], list[str]] = {}

    @functools.wraps(original)
    def method_names(clazz: object) -> list[str]:
        key = (clazz, tuple(len(vars(c)) for c in getattr(clazz, "__mro__", ())))
        names = known.get(key)
        if names is None:
            names = known[key] = original(clazz)
        return list(names)

    method_names.__perfbot_remembered__ = True  # type: ignore[attr-defined]
    return method_names


def apply() -> None:
    from moto.core import responses
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if not getattr(responses.method_names_from_class, "__perfbot_remembered__", False):
        setattr(responses, "method_names_from_class", _remembered_methods(responses.method_names_from_class))  # noqa: B010

    method = DomainDispatcherApplication.get_backend_for_host
    if not getattr(method, "__perfbot_remembered__", False):
        setattr(DomainDispatcherApplication, "get_backend_for_host", _remembered(method))  # noqa: B010
