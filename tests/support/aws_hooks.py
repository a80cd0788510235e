"""botocore event hooks on perfbot's shared clients (the operator's and each function's): count AWS calls, or make one
fail the way AWS fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.awsrequest import AWSResponse

from devstack import lambdas


@contextmanager
def count_calls(service: str, operation: str) -> Iterator[list[dict[str, Any]]]:
    """Every ``operation`` request perfbot's ``service`` client sends while inside, with its parameters."""
    calls: list[dict[str, Any]] = []
    event = f"before-call.{service}.{operation}"

    def hook(**kwargs: Any) -> None:
        calls.append(dict(kwargs.get("params") or {}))

    hooked = [c.meta.events for c in lambdas.clients(service)]
    for events in hooked:
        events.register(event, hook, unique_id=f"count-{event}")
    try:
        yield calls
    finally:
        for events in hooked:
            events.unregister(event, unique_id=f"count-{event}")


@contextmanager
def aws_error(service: str, operation: str, code: str, message: str, status: int = 500) -> Iterator[None]:
    """``operation`` answers with AWS's error ``code`` (the request never reaches the server)."""
    event = f"before-call.{service}.{operation}"

    def hook(**kwargs: Any) -> tuple[AWSResponse, dict[str, Any]]:
        response = AWSResponse("https://aws.invalid/", status, {}, None)
        parsed = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RequestId": "req-injected-0001", "HTTPStatusCode": status},
        }
        return response, parsed

    hooked = [c.meta.events for c in lambdas.clients(service)]
    for events in hooked:
        events.register_first(event, hook, unique_id=f"fail-{event}")
    try:
        yield
    finally:
        for events in hooked:
            events.unregister(event, unique_id=f"fail-{event}")
