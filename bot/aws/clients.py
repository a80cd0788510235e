"""boto3 clients shared by every gateway.

Clients are created without ``endpoint_url`` so boto3's own ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>``
variables decide where they go (the embedded devstack in the demo and tests, AWS in production).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_clients: dict[tuple[str, str | None, str | None], Any] = {}


class AwsError(Exception):
    """An AWS call failed; ``code`` is AWS's error code (e.g. ``ThrottlingException``) when there is one."""

    def __init__(self, message: str, *, code: str = "", request_id: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.request_id = request_id

    @classmethod
    def wrap(cls, exc: Exception, action: str) -> AwsError:
        response = getattr(exc, "response", None) or {}
        error = response.get("Error", {})
        # botocore's own failures (no credentials, endpoint unreachable) have no AWS code: name the failure instead
        code = str(error.get("Code", "")) or type(exc).__name__
        request_id = str(response.get("ResponseMetadata", {}).get("RequestId", ""))
        message = error.get("Message") or str(exc)
        return cls(f"{action} failed: {code + ': ' if code else ''}{message}", code=code, request_id=request_id)


@contextmanager
def failing_as(action: str) -> Iterator[None]:
    """Whatever fails inside becomes one :class:`AwsError` naming ``action`` (AWS's error code and request id kept);
    an AwsError raised inside passes through unchanged."""
    try:
        yield
    except AwsError:
        raise
    except Exception as exc:
        raise AwsError.wrap(exc, action) from exc


def client(service: str, region: str | None = None) -> Any:
    """A cached boto3 client with standard retries (throttling backs off) and bounded timeouts.

    Cached per service, region and the access key in the environment: a client keeps the credentials it was created
    with, and on Lambda those are fixed per container, but a process that runs several functions' code (the tests and
    the demo run each handler under its own role) must not reuse one function's client as another."""
    if region is None:  # the configured region (perfbot.yml, overridden by AWS_REGION / AWS_DEFAULT_REGION)
        from bot.settings import get_settings

        region = get_settings().region
    key = (service, region, os.environ.get("AWS_ACCESS_KEY_ID"))
    with _lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "max_attempts": 5},
                connect_timeout=5,
                read_timeout=30,
                max_pool_connections=25,
            )
            _clients[key] = boto3.session.Session().client(service, region_name=region, config=config)
        return _clients[key]


def reset_clients() -> None:
    """Forget cached clients (tests change ``AWS_ENDPOINT_URL`` between runs)."""
    with _lock:
        _clients.clear()
