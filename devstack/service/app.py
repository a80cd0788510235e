"""monitoring-api's request handling, standing in for API Gateway + the Lambda function behind it.

``GET /health``, ``POST /metrics`` (one item or ``{"items": [...]}``, written to ApplicationMetrics), ``GET
/metrics?service=…&limit=…&next=…`` (the ServiceNameIndex query, newest first, paginated). The DynamoDB calls go
through perfbot's AdaptiveCircuitBreaker; an open breaker answers 503 at once. ``PUT /_devstack/faults`` flips the
fault switches (slow or failing DynamoDB) for a test or a demo.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from bot.aws.clients import client
from bot.aws.dynamodb import Table, from_dynamo
from bot.breaker import AdaptiveCircuitBreaker, CircuitOpenError
from devstack.service.metrics import MetricsRecorder
from devstack.service.model import (
    API_OVERHEAD_MS,
    CACHE_HIT_MS,
    INTEGRATION_OVERHEAD_MS,
    READ_UNITS_PER_QUERY,
    WRITE_UNITS_PER_PUT,
    Capacity,
    Containers,
    ServiceConfig,
    Throttled,
    compute_ms,
    dynamodb_ms,
    init_ms,
)
from devstack.simulator.app_metrics import iso

MAX_ITEMS_PER_POST = 25  # one BatchWriteItem
MAX_PAGE = 100


@dataclass
class Faults:
    """Fault switches: extra DynamoDB latency, and DynamoDB failing every call."""

    slow_dynamodb_ms: float = 0.0
    failing_dynamodb: bool = False


class DynamoUnavailable(Exception):
    """The (switched-on) failing-DynamoDB fault."""


class BadRequest(Exception):
    pass


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] | None = None


class ServiceCore:
    """Everything a request needs; shared by the server's threads."""

    def __init__(
        self,
        *,
        table: Table,
        index: str,
        breaker: AdaptiveCircuitBreaker,
        recorder: MetricsRecorder,
        config: Any,  # LiveConfig or anything with ``.current: ServiceConfig``
    ) -> None:
        self.table = table
        self.dynamodb = client("dynamodb")
        self.index = index
        self.breaker = breaker
        self.recorder = recorder
        self.config = config
        self.faults = Faults()
        self.containers = Containers()
        self.capacity = Capacity()
        self._cache: dict[str, tuple[float, Answer]] = {}
        self._cache_lock = threading.Lock()
        self.served = 0

    # -- API Gateway -------------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, body: bytes) -> Answer:
        began = time.perf_counter()
        config: ServiceConfig = self.config.current
        self.recorder.cache_enabled = config.cache_enabled
        url = urlsplit(target)
        cache_key = f"{method} {url.path}?{url.query}"
        cacheable = method == "GET" and url.path == "/metrics" and config.cache_enabled
        hit = self._cached(cache_key, config) if cacheable else None
        integration_ms: float | None = None
        invoked = None
        if hit is not None:
            _sleep_ms(CACHE_HIT_MS)
            answer = hit
        else:
            _sleep_ms(API_OVERHEAD_MS / 2)
            started = time.perf_counter()
            answer, invoked = self._invoke(method, url.path, url.query, body, config)
            _sleep_ms(INTEGRATION_OVERHEAD_MS)
            integration_ms = (time.perf_counter() - started) * 1000
            _sleep_ms(API_OVERHEAD_MS / 2)
            if cacheable and answer.status == 200:
                with self._cache_lock:
                    self._cache[cache_key] = (time.monotonic(), answer)
        latency_ms = (time.perf_counter() - began) * 1000
        self._record(method, answer.status, latency_ms, integration_ms, hit is not None, cacheable, invoked)
        return answer

    def _cached(self, key: str, config: ServiceConfig) -> Answer | None:
        with self._cache_lock:
            entry = self._cache.get(key)
        if entry is None or time.monotonic() - entry[0] > config.cache_ttl_s:
            return None
        return entry[1]

    def _record(
        self,
        method: str,
        status: int,
        latency_ms: float,
        integration_ms: float | None,
        hit: bool,
        cacheable: bool,
        invoked: Invocation | None,
    ) -> None:
        with self.recorder.lock:
            self.served += 1
            m = self.recorder.minute()
            m.requests += 1
            m.by_method[method] += 1
            m.errors_4xx += 400 <= status < 500
            m.errors_5xx += status >= 500
            m.latency.append(latency_ms)
            if cacheable:
                m.cache_hits += hit
                m.cache_misses += not hit
            if integration_ms is not None:
                m.integration_latency.append(integration_ms)
            if invoked is not None:
                m.invocations += 1
                m.lambda_errors += invoked.error
                m.duration.append(invoked.duration_ms)
                m.cold_starts += invoked.cold
                m.max_concurrency = max(m.max_concurrency, invoked.concurrency)
                for operation, ms in invoked.dynamodb_ms:
                    m.dynamodb_latency[operation].append(ms)
                m.reads += invoked.reads
                m.read_units += invoked.reads * READ_UNITS_PER_QUERY
                m.writes += invoked.writes
                m.write_units += invoked.writes * WRITE_UNITS_PER_PUT
                m.read_throttles += invoked.read_throttles
                m.write_throttles += invoked.write_throttles

    # -- Lambda ------------------------------------------------------------------------------------------------

    def _invoke(
        self, method: str, path: str, query: str, body: bytes, config: ServiceConfig
    ) -> tuple[Answer, Invocation]:
        call = Invocation()
        began = time.perf_counter()
        cold, call.concurrency = self.containers.acquire(config.provisioned_concurrency)
        try:
            if cold:
                call.cold = True
                _sleep_ms(init_ms(config.memory_mb))
            _sleep_ms(compute_ms(config.memory_mb))
            answer = self._route(method, path, query, body, config, call)
        finally:
            self.containers.release(config.provisioned_concurrency)
        call.error = answer.status >= 500 and answer.body.get("error") != "circuit_open"
        call.duration_ms = (time.perf_counter() - began) * 1000
        return answer, call

    def _route(
        self, method: str, path: str, query: str, body: bytes, config: ServiceConfig, call: Invocation
    ) -> Answer:
        routes = {
            ("GET", "/health"): lambda: Answer(200, self.health()),
            ("POST", "/metrics"): lambda: self._post_metrics(body, config, call),
            ("GET", "/metrics"): lambda: self._get_metrics(parse_qs(query), config, call),
        }
        route = routes.get((method, path))
        if route is None:
            return Answer(404, {"error": "not_found", "message": f"no route for {method} {path}"})
        try:
            return route()
        except BadRequest as problem:
            return Answer(400, {"error": "bad_request", "message": str(problem)})
        except CircuitOpenError as exc:
            retry = max(0.0, (exc.status.half_open_at or time.time()) - time.time())
            return Answer(
                503, {"error": "circuit_open", "retry_after_s": round(retry, 1)}, {"Retry-After": str(int(retry) + 1)}
            )
        except (Throttled, DynamoUnavailable, Exception) as exc:  # the guide's "Internal server error"
            return Answer(500, {"error": "internal", "message": type(exc).__name__})

    def health(self) -> dict[str, Any]:
        status = self.breaker.status()
        return {
            "status": "healthy" if status.state.value == "CLOSED" else "degraded",
            "breaker": {
                "state": status.state.value,
                "trips": status.trips,
                "failure_threshold": status.effective_threshold,
                "open_timeout_s": status.open_timeout_s,
                "last_recovery_s": status.last_recovery_s,
            },
            "config": asdict(self.config.current),
        }

    def _dynamo(self, operation: str, units: float, capacity: int, call: Invocation, fn: Any) -> Any:
        """One DynamoDB call through the breaker, latency shaped by the table's utilization and the faults."""

        def attempt() -> Any:
            started = time.perf_counter()
            if self.faults.failing_dynamodb:
                raise DynamoUnavailable("DynamoDB is failing (fault switch)")
            try:
                utilization = self.capacity.consume(operation, units, capacity)
            except Throttled:
                if operation == "Query":
                    call.read_throttles += 1
                else:
                    call.write_throttles += 1
                raise
            result = fn()
            wanted = dynamodb_ms(operation, utilization) + self.faults.slow_dynamodb_ms
            _sleep_ms(wanted - (time.perf_counter() - started) * 1000)
            call.dynamodb_ms.append((operation, (time.perf_counter() - started) * 1000))
            return result

        return self.breaker.call(attempt)

    def _post_metrics(self, body: bytes, config: ServiceConfig, call: Invocation) -> Answer:
        items = [_application_item(raw) for raw in _post_items(body)]

        def write() -> None:
            if len(items) == 1:
                self.table.put(items[0])
                return
            requests = [{"PutRequest": {"Item": _dynamo_item(item)}} for item in items]
            pending: dict[str, Any] = {self.table.name: requests}
            while pending:  # BatchWriteItem, resending what DynamoDB left unprocessed
                pending = self.dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

        self._dynamo("PutItem", WRITE_UNITS_PER_PUT * len(items), config.write_capacity, call, write)
        call.writes += len(items)
        return Answer(201, {"written": len(items)})

    def _get_metrics(self, params: dict[str, list[str]], config: ServiceConfig, call: Invocation) -> Answer:
        service = (params.get("service") or [""])[0]
        if not service:
            raise BadRequest("the query parameter service is required")
        try:
            limit = min(int((params.get("limit") or ["25"])[0]), MAX_PAGE)
        except ValueError:
            raise BadRequest("limit must be a number") from None
        start_key = _decode_token((params.get("next") or [""])[0])

        def query() -> dict[str, Any]:
            request: dict[str, Any] = {
                "TableName": self.table.name,
                "IndexName": self.index,
                "KeyConditionExpression": "ServiceName = :s",
                "ExpressionAttributeValues": {":s": {"S": service}},
                "ScanIndexForward": False,  # latest first, as the guide's query
                "Limit": limit,
            }
            if start_key:
                request["ExclusiveStartKey"] = {k: {"S": str(v)} for k, v in start_key.items()}
            page = self.dynamodb.query(**request)
            return {
                "Items": [_plain(item) for item in page.get("Items", [])],
                "LastEvaluatedKey": _plain(page["LastEvaluatedKey"]) if "LastEvaluatedKey" in page else None,
            }

        page = self._dynamo("Query", READ_UNITS_PER_QUERY, config.read_capacity, call, query)
        call.reads += 1
        token = _encode_token(page.get("LastEvaluatedKey"))
        return Answer(200, {"items": page["Items"], "count": len(page["Items"]), "next": token})


@dataclass
class Invocation:
    """What one Lambda invocation did, for its metrics."""

    cold: bool = False
    concurrency: int = 0
    error: bool = False
    duration_ms: float = 0.0
    reads: int = 0
    writes: int = 0
    read_throttles: int = 0
    write_throttles: int = 0

    def __post_init__(self) -> None:
        self.dynamodb_ms: list[tuple[str, float]] = []


def _sleep_ms(ms: float) -> None:
    if ms > 0:
        time.sleep(ms / 1000)


def _post_items(body: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(body or b"null", parse_float=Decimal)
    except ValueError:
        raise BadRequest("the body is not JSON") from None
    raw = data.get("items") if isinstance(data, dict) and "items" in data else [data]
    if not isinstance(raw, list) or not raw or len(raw) > MAX_ITEMS_PER_POST:
        raise BadRequest(f"send one metric or 1–{MAX_ITEMS_PER_POST} under items")
    return raw


def _application_item(raw: Any) -> dict[str, Any]:
    """The guide's POST body (service_name, metric_type, value) as an ApplicationMetrics item."""
    if not isinstance(raw, dict):
        raise BadRequest("a metric is a JSON object")
    name, kind, value = raw.get("service_name"), raw.get("metric_type"), raw.get("value")
    if not isinstance(name, str) or not name or not isinstance(kind, str) or not kind:
        raise BadRequest("service_name and metric_type are required strings")
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise BadRequest("value must be a number")
    given = raw.get("metadata")
    metadata: dict[str, Any] = given if isinstance(given, dict) else {}
    return {
        "ServiceName": name,
        "Timestamp": str(raw.get("timestamp") or iso(time.time())),
        "MetricType": kind,
        "Value": value,
        "Unit": str(raw.get("unit") or "None"),
        "Metadata": {**metadata, "source": "monitoring-api"},
    }


_deserializer = TypeDeserializer()
_serializer = TypeSerializer()


def _dynamo_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items()}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: from_dynamo(_deserializer.deserialize(v)) for k, v in item.items()}


def _encode_token(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _decode_token(token: str) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError:
        raise BadRequest("next is not a token this API returned") from None
    if not isinstance(key, dict):
        raise BadRequest("next is not a token this API returned")
    return key


def request_handler(core: ServiceCore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            if urlsplit(self.path).path != "/_devstack/faults":
                self._send(Answer(404, {"error": "not_found"}))
                return
            try:
                switches = json.loads(self._body() or b"{}")
                core.faults.slow_dynamodb_ms = float(switches.get("slow_dynamodb_ms", 0))
                core.faults.failing_dynamodb = bool(switches.get("failing_dynamodb", False))
            except (ValueError, AttributeError):
                self._send(Answer(400, {"error": "bad_request"}))
                return
            self._send(Answer(200, asdict(core.faults)))

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _serve(self, method: str) -> None:
            self._send(core.handle(method, self.path, self._body()))

        def _send(self, answer: Answer) -> None:
            payload = json.dumps(answer.body, default=_json_default).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (answer.headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
