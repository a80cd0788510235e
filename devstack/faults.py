"""Fault injection for the devstack: make one AWS action or Slack method fail the way the real service fails.

A :class:`Fault` names a service and an operation (AWS: the SigV4 signing name or its IAM prefix and the API action,
``dynamodb`` / ``PutItem``, ``lambda`` / ``UpdateFunctionConfiguration``; Slack: ``slack`` and the Web API method,
``chat.update``), a mode, how many calls it hits (``times``; ``None``: every call) and optionally which calls
(``where``: dotted paths into the request's parameters and the values they must have, e.g.
``{"TableName": "perfbot-state", "Item.state.S": "applied"}``; ``when``: any predicate over the :class:`Request`).

Modes, each as the service answers it:

- ``error``: the service's internal error (DynamoDB ``InternalServerError``, Lambda ``ServiceException``, any other
  AWS service ``InternalFailure``; Slack HTTP 500 ``{"ok": false, "error": "internal_error"}``), nothing executed;
- ``throttle``: the service's throttling error (DynamoDB item operations
  ``ProvisionedThroughputExceededException``, Lambda ``TooManyRequestsException`` 429, query-protocol services
  ``Throttling``, others ``ThrottlingException``; Slack HTTP 429 ``ratelimited`` with ``Retry-After``), nothing
  executed;
- ``reset_after_success``: the request is executed in full, then the connection is closed without a response (the
  caller cannot know whether it happened);
- ``latency``: ``delay_s`` seconds before the request is served.

One registry per process (:data:`FAULTS`), consulted by the embedded AWS (a WSGI wrapper around moto,
:func:`aws_middleware`) and the Slack emulator (:meth:`Faults.slack_fault`). Tests use :func:`inject` as a context
manager; on a running devstack ``POST /_devstack/faults`` on either server (JSON: a fault or a list of them) adds
faults, ``GET`` lists them with their hit counts and ``DELETE`` clears them, and ``python -m bot devstack --fault
dynamodb:PutItem=error`` starts with one. Injected faults are served before the emulator's refusal accounting and
the embedded AWS's IAM log: they never count as perfbot's mistakes, while what perfbot does next is checked as strictly
as ever. Every fault that fired is in :attr:`Faults.fired`.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from re import Pattern
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

Mode = Literal["error", "throttle", "reset_after_success", "latency"]
MODES: tuple[str, ...] = ("error", "throttle", "reset_after_success", "latency")
CONTROL_PATH = "/_devstack/faults"
SLACK = "slack"
_ALIASES = {"cloudwatch": "monitoring", "bedrock-runtime": "bedrock"}  # IAM prefix / model name → signing name
_MODEL_OF = {"monitoring": ("cloudwatch",), "bedrock": ("bedrock-runtime", "bedrock")}  # signing name → models


@dataclass(frozen=True)
class Request:
    """What a fault can be matched on: the service, the operation and the request's parameters."""

    service: str
    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    protocol: str = ""  # AWS: json, query, smithy-rpc-v2-cbor, rest-json … (the error answers in the same)

    def get(self, path: str) -> Any:
        """The value at a dotted path into the parameters (``Item.state.S``), None where there is none."""
        value: Any = self.params
        for part in path.split("."):
            if isinstance(value, Mapping):
                value = value.get(part)
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return None
        return value


@dataclass
class Fault:
    service: str
    operation: str  # "*": every operation of the service
    mode: Mode
    times: int | None = 1  # the next N matching calls; None: every one
    where: dict[str, Any] = field(default_factory=dict)
    when: Callable[[Request], bool] | None = None
    delay_s: float = 0.0  # latency
    retry_after_s: int = 1  # Slack's throttle
    hits: int = 0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; one of {', '.join(MODES)}")
        self.service = _ALIASES.get(self.service.lower(), self.service.lower())

    def matches(self, request: Request) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if request.service != self.service or self.operation not in ("*", request.operation):
            return False
        if not all(_same(request.get(path), wanted) for path, wanted in self.where.items()):
            return False
        return self.when is None or bool(self.when(request))

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def describe(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "mode": self.mode,
            "times": self.times,
            "where": self.where,
            "delay_s": self.delay_s,
            "hits": self.hits,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        known = {"service", "operation", "mode", "times", "where", "delay_s", "retry_after_s"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """``service:Operation=mode[*N|*always][@delay_s]``, e.g. ``dynamodb:PutItem=error*3``,
        ``slack:chat.update=latency@0.5*always`` (the CLI's ``--fault``)."""
        target, _, rest = spec.partition("=")
        service, _, operation = target.partition(":")
        mode, times, delay = rest, "1", "0"
        if "@" in mode:
            mode, _, tail = mode.partition("@")
            delay, _, more = tail.partition("*")
            times = more or times
        if "*" in mode:
            mode, _, times = mode.partition("*")
        if "@" in times:
            times, _, delay = times.partition("@")
        if not (service and operation and mode):
            raise ValueError(f"not a fault: {spec!r} (service:Operation=mode[*N|*always][@delay_s])")
        count = None if times == "always" else int(times)
        return cls(service, operation, mode, times=count, delay_s=float(delay))  # type: ignore[arg-type]


def _same(actual: Any, wanted: Any) -> bool:
    return actual == wanted or (actual is not None and str(actual) == str(wanted))


@dataclass(frozen=True)
class Fired:
    """One call a fault hit."""

    service: str
    operation: str
    mode: Mode
    at: float


class Faults:
    """The faults in force and the calls they hit; thread-safe (servers serve each request on its own thread)."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._fired: list[Fired] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f is not fault]

    def clear(self) -> None:
        """No faults in force, and none remembered as fired."""
        with self._lock:
            self._faults, self._fired = [], []

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.spent]

    @property
    def fired(self) -> list[Fired]:
        with self._lock:
            return list(self._fired)

    def take(self, request: Request) -> Fault | None:
        """The first fault in force that matches ``request``, counted as hit (atomically: N means N calls)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.hits += 1
                    self._fired.append(Fired(request.service, request.operation, fault.mode, time.time()))
                    return fault
        return None

    def control(self, method: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The HTTP control endpoint: POST adds a fault (or a list), GET lists, DELETE clears."""
        if method == "DELETE":
            self.clear()
            return 200, {"ok": True, "faults": []}
        if method == "POST":
            try:
                data = json.loads(body.decode("utf-8") or "null")
                added = [self.add(Fault.from_json(d)) for d in (data if isinstance(data, list) else [data])]
            except (ValueError, TypeError, AttributeError) as exc:
                return 400, {"ok": False, "error": str(exc)}
            return 200, {"ok": True, "faults": [f.describe() for f in added]}
        with self._lock:
            return 200, {"ok": True, "faults": [f.describe() for f in self._faults]}

    # -- Slack ----------------------------------------------------------------------------------------------

    def slack_fault(self, method: str, args: Mapping[str, Any]) -> Fault | None:
        """The fault for one Web API call (latency already waited out), or None."""
        fault = self.take(Request(SLACK, method, args))
        if fault is not None and fault.mode == "latency":
            time.sleep(fault.delay_s)
            return None
        return fault


FAULTS = Faults()


@contextmanager
def inject(
    service: str,
    operation: str,
    mode: Mode,
    *,
    times: int | None = 1,
    where: Mapping[str, Any] | None = None,
    when: Callable[[Request], bool] | None = None,
    delay_s: float = 0.0,
    retry_after_s: int = 1,
) -> Iterator[Fault]:
    """While inside, ``operation`` of ``service`` fails with ``mode`` (``times`` calls; ``None``: all of them);
    ``fault.hits`` says how many calls it hit."""
    fault = FAULTS.add(Fault(service, operation, mode, times, dict(where or {}), when, delay_s, retry_after_s))
    try:
        yield fault
    finally:
        FAULTS.remove(fault)


def add_specs(specs: Iterable[str]) -> list[Fault]:
    """Faults from ``--fault`` specs, in force until cleared."""
    return [FAULTS.add(Fault.parse(spec)) for spec in specs]


# -- AWS: the request's service and operation, and the service's own error shapes --------------------------------


def signing_name(headers: Mapping[str, str]) -> str:
    credential = str(headers.get("Authorization") or "").partition("Credential=")[2].partition(",")[0].split("/")
    return credential[3] if len(credential) >= 4 else ""


@cache
def _model(signing: str) -> Any:
    import botocore.session

    session = botocore.session.get_session()
    for name in _MODEL_OF.get(signing, (signing,)):
        try:
            return session.get_service_model(name)
        except Exception:  # noqa: S112 - not a botocore service name: try the next
            continue
    return None


@cache
def _rest_routes(signing: str) -> list[tuple[str, Pattern[str], str, int]]:
    """(HTTP method, path pattern, operation, literal length) for every operation of a REST service."""
    import re

    routes = []
    for candidate in _MODEL_OF.get(signing, (signing,)):
        model = _model_named(candidate)
        if model is None:
            continue
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = str(http.get("requestUri", "/")).partition("?")[0]
            pattern = re.sub(r"\\{(\w+)\\\+\\}", r"(?P<\1>.+)", re.escape(uri))
            pattern = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", pattern)
            literal = len(re.sub(r"\{[^}]*\}", "", uri))
            routes.append((str(http.get("method", "POST")), re.compile(f"^{pattern}/?$"), name, literal))
    return sorted(routes, key=lambda r: -r[3])


@cache
def _model_named(name: str) -> Any:
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(name)
    except Exception:
        return None


def aws_request(environ: Mapping[str, Any], body: bytes) -> Request | None:
    """Service (signing name), operation and parameters of a request to the embedded AWS; None if not an API call."""
    headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
    service = signing_name(headers)
    if not service:
        return None
    path = unquote(str(environ.get("PATH_INFO") or "/"))
    content_type = str(environ.get("CONTENT_TYPE") or "")
    params: dict[str, Any] = {}
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    if "/operation/" in path:  # smithy-rpc-v2-cbor: /service/<Service>/operation/<Operation>
        return Request(service, path.rsplit("/", 1)[-1], {}, "smithy-rpc-v2-cbor")
    if target:
        return Request(service, target.rpartition(".")[2], _json(body), "json")
    if "x-www-form-urlencoded" in content_type:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        return Request(service, form.pop("Action", ""), form, "query")
    model = _model(service)
    protocol = str(model.metadata.get("protocol", "rest-json")) if model is not None else "rest-json"
    method = str(environ.get("REQUEST_METHOD") or "GET")
    for verb, pattern, name, _ in _rest_routes(service):
        match = pattern.match(path)
        if verb == method and match:
            params = {**_json(body), **{k: unquote(v) for k, v in match.groupdict().items()}}
            return Request(service, name, params, protocol)
    return Request(service, "", _json(body), protocol)


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


_DYNAMO_ITEM_OPS = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem"}


def aws_error(request: Request, mode: Mode) -> tuple[int, str]:
    """(HTTP status, AWS error code) of an injected ``error`` or ``throttle`` for this service and operation."""
    if mode == "error":
        return {"dynamodb": (500, "InternalServerError"), "lambda": (500, "ServiceException")}.get(
            request.service, (500, "InternalFailure")
        )
    if request.service == "dynamodb":
        code = (
            "ProvisionedThroughputExceededException" if request.operation in _DYNAMO_ITEM_OPS else "ThrottlingException"
        )
        return 400, code
    if request.service == "lambda":
        return 429, "TooManyRequestsException"
    return 400, "Throttling" if request.protocol == "query" else "ThrottlingException"


def aws_error_response(request: Request, mode: Mode) -> tuple[str, list[tuple[str, str]], bytes]:
    """The WSGI status, headers and body of that error in the service's protocol."""
    status, code = aws_error(request, mode)
    message = "Rate exceeded" if mode == "throttle" else "We encountered an internal error. Please try again."
    request_id = f"fault-{time.time_ns():x}"
    model = _model(request.service)
    protocol = request.protocol or "json"
    headers = [("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)]
    if status == 429:
        headers.append(("Retry-After", "1"))
    if protocol in ("query", "rest-xml", "ec2"):
        body = (
            f"<ErrorResponse><Error><Type>{'Sender' if status < 500 else 'Receiver'}</Type><Code>{code}</Code>"
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers.append(("Content-Type", "text/xml"))
    elif protocol == "smithy-rpc-v2-cbor":
        body = _cbor_map({"__type": code, "message": message})
        headers += [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
    else:
        prefix = str(model.metadata.get("targetPrefix", "")) if model is not None else ""
        version = prefix.rpartition("_")[2].lower()
        shape = (
            f"com.amazonaws.{request.service}.v{version}#{code}" if protocol == "json" and version.isdigit() else code
        )
        body = json.dumps({"__type": shape, "message": message}).encode()
        headers.append(("Content-Type", "application/x-amz-json-1.0" if protocol == "json" else "application/json"))
    reason = {400: "Bad Request", 429: "Too Many Requests", 500: "Internal Server Error"}[status]
    return f"{status} {reason}", headers, body


def _cbor_map(fields: Mapping[str, str]) -> bytes:
    """A CBOR map of short text strings (all an rpc-v2-cbor error body needs)."""

    def text(value: str) -> bytes:
        data = value.encode()
        head = bytes([0x60 | len(data)]) if len(data) < 24 else bytes([0x78, len(data)])
        return head + data

    return bytes([0xA0 | len(fields)]) + b"".join(text(k) + text(v) for k, v in fields.items())


def aws_middleware(app: Callable[..., Any], faults: Faults = FAULTS) -> Callable[..., Any]:
    """moto's WSGI app behind the fault switch (and the control endpoint ``/_devstack/faults``)."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CONTROL_PATH:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            status, answer = faults.control(str(environ["REQUEST_METHOD"]), environ["wsgi.input"].read(length))
            start_response(
                f"{status} {'OK' if status == 200 else 'Bad Request'}", [("Content-Type", "application/json")]
            )
            return [json.dumps(answer).encode()]
        if not faults.active:
            return app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        request = aws_request(environ, body)
        fault = faults.take(request) if request is not None else None
        if fault is None or request is None:
            return app(environ, start_response)
        if fault.mode == "latency":
            time.sleep(fault.delay_s)
            return app(environ, start_response)
        if fault.mode in ("error", "throttle"):
            line, headers, payload = aws_error_response(request, fault.mode)
            start_response(line, [*headers, ("Content-Length", str(len(payload)))])
            return [payload]
        for _ in app(environ, lambda *_a, **_k: lambda _data: None):  # executed in full, the answer discarded
            pass
        drop(environ.get("devstack.connection") or environ.get("werkzeug.socket"))
        raise ConnectionResetError("fault: connection dropped after the request was served")

    return serve


def drop(connection: socket.socket | None) -> None:
    """Close the client's connection without a word (the request was served; the caller never hears)."""
    if connection is None:
        return
    with suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


def slack_answer(fault: Fault) -> tuple[int, dict[str, str], dict[str, Any]]:
    """The Slack emulator's answer to a call an ``error`` or ``throttle`` fault hit."""
    if fault.mode == "throttle":
        return 429, {"Retry-After": str(fault.retry_after_s)}, {"ok": False, "error": "ratelimited"}
    return 500, {}, {"ok": False, "error": "internal_error"}
