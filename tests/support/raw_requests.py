"""Slack requests at the byte level, for tests of what the Slack function refuses: a body signed over its exact bytes
(UTF-8 or not), wrapped in an API Gateway proxy event of either format, base64-encoded or not."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from devstack import slack_requests


def signature_headers(raw: bytes, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature over ``raw`` (devstack's ``sign`` takes text; this takes any bytes)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": ts, "x-slack-signature": f"v0={digest}"}


def event(raw: bytes, headers: dict[str, str], *, version: str = "2.0", base64_body: bool = False) -> dict[str, Any]:
    """An API Gateway event carrying ``raw`` (not UTF-8 only when base64-encoded, as API Gateway does it)."""
    built = slack_requests.apigw_event("", headers, version=version, base64_body=base64_body)  # type: ignore[arg-type]
    built["body"] = base64.b64encode(raw).decode() if base64_body else raw.decode()
    return built


def signed(
    body: str | bytes, signing_secret: str, *, version: str = "2.0", base64_body: bool = False
) -> dict[str, Any]:
    raw = body.encode() if isinstance(body, str) else body
    return event(raw, signature_headers(raw, signing_secret), version=version, base64_body=base64_body)
