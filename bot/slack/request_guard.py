"""The Slack function's front door: every POST is checked here before Bolt sees it, and a bad one gets a clean 4xx —
never an exception, a 5xx or a traceback.

In order, so that a caller who cannot sign learns nothing about how its body would be parsed:

1. size — more than API Gateway's 10 MB payload cap: 413, nothing decoded;
2. signature headers — ``X-Slack-Request-Timestamp`` ASCII digits within five minutes of now, ``X-Slack-Signature``
   ``v0=`` and 64 hex digits: else 401 (what Slack documents for a failed verification);
3. framing — a base64 body (``isBase64Encoded``) that is not base64: 400 (API Gateway never sends one);
4. signature — Slack's v0 HMAC-SHA256 over the body's *bytes* (so a non-UTF-8 body is still 401 unless signed): else
   401. This is the one verification: the Slack function's Bolt app runs with its own turned off;
5. content, only for a verified request — text that is not UTF-8, a body Bolt would crash on or perfbot has no
   listener kind for: 400. Accepted: a slash command with its fields, a ``block_actions`` payload shaped as Slack
   sends it (what Bolt's context extraction and the listeners read has the type they expect), Slack's ``ssl_check``
   and ``url_verification``.

A refusal is one log line — INFO for 401 (the internet's background noise), WARNING for a signed request refused —
with a bounded digest of the body (length, sha256 prefix, first 200 characters escaped), never the body itself.
Stdlib only: this runs on every request, on the cold-start (P2) and ack (P1) budgets of ``make bench``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload cap (HTTP and REST APIs)
MAX_BASE64_CHARS = 4 * -(-MAX_BODY_BYTES // 3)
MAX_AGE_S = 300  # Slack: reject a request whose timestamp is more than five minutes from now
DIGEST_HEAD = 200
GUARDED_METHODS = ("POST", "NONE")  # what Bolt's Lambda adapter dispatches; it answers anything else 404 unparsed
SLASH_FIELDS = ("command", "user_id", "channel_id", "response_url")
OBJECT_KEYS = ("user", "channel", "container", "message", "view", "state")  # dicts where present: the listeners .get
FOREIGN_KEYS = ("event", "item", "assistant_thread", "previous_message", "function_data")  # no block_actions has one
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would also take " 17", "1_7", Arabic-Indic digits
ERRORS = {400: "bad request", 401: "invalid request", 413: "payload too large"}

Response = dict[str, Any]


class Refused(Exception):
    """A request turned away: its HTTP status and, for the log only, why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def check(event: dict[str, Any], signing_secret: str, now: Callable[[], float] = time.time) -> Response | None:
    """The API Gateway response refusing ``event``, or None when Bolt may have it."""
    if method(event) not in GUARDED_METHODS:
        return None
    body = event.get("body")
    try:
        _check(event, body, signing_secret, now())
    except Refused as refused:
        _log(refused, body, event)
        return {
            "statusCode": refused.status,
            "body": json.dumps({"error": ERRORS[refused.status]}),
            "headers": {"content-type": "application/json"},
        }
    return None


def method(event: dict[str, Any]) -> str | None:
    """The HTTP method, where payload format 2.0 or 1.0 has it (as Bolt's Lambda adapter reads it)."""
    context = event.get("requestContext") or {}
    return (context.get("http") or {}).get("method") or context.get("httpMethod")


def _check(event: dict[str, Any], body: object, signing_secret: str, now: float) -> None:
    if body is None:
        body = ""
    if not isinstance(body, str):
        raise Refused(400, "body is not a string")
    encoded = bool(event.get("isBase64Encoded"))
    if len(body) > (MAX_BASE64_CHARS if encoded else MAX_BODY_BYTES):
        raise Refused(413, "body over 10 MB")
    if not signing_secret:
        raise Refused(401, "no signing secret configured: nothing can be verified")
    headers = _headers(event)
    timestamp, signature = _signature_headers(headers, now)
    raw = _bytes(body, encoded)
    if len(raw) > MAX_BODY_BYTES:
        raise Refused(413, "body over 10 MB")
    basestring = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(signing_secret.encode(), basestring, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused(401, "signature mismatch")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    _check_content(text, _content_type(headers))
    _check_query(event.get("queryStringParameters"))


def _headers(event: dict[str, Any]) -> dict[str, str]:
    """Header names lower-cased, the last of a name winning — as Bolt normalises them, so both read the same value."""
    headers = event.get("headers") or {}
    if not isinstance(headers, Mapping):
        raise Refused(401, "headers are not an object")
    if all(type(value) is str for value in headers.values()):  # API Gateway's events: the fast path
        return {str(name).lower(): value for name, value in headers.items()}
    normalised: dict[str, str] = {}
    for name, value in headers.items():
        if not (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))):
            raise Refused(401, f"header {_shown(name)} is not text")
        # Bolt's adapter adds "cookie": [] to the event it re-invokes for lazy work; Bolt reads a list's first value
        normalised[str(name).lower()] = value if isinstance(value, str) else (value[0] if value else "")
    return normalised


def _signature_headers(headers: dict[str, str], now: float) -> tuple[str, str]:
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if timestamp is None or signature is None:
        raise Refused(401, "signature headers missing")
    if TIMESTAMP.fullmatch(timestamp) is None:  # and int() fails on 5,000 digits
        raise Refused(401, f"timestamp malformed: {_shown(timestamp)}")
    if abs(now - int(timestamp)) > MAX_AGE_S:
        raise Refused(401, f"timestamp stale: {timestamp}")
    if SIGNATURE.fullmatch(signature) is None:
        raise Refused(401, f"signature malformed: {_shown(signature)}")
    return timestamp, signature


def _bytes(body: str, encoded: bool) -> bytes:
    if encoded:
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise Refused(400, "body is not base64") from None
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a JSON "\ud800" in the event
        raise Refused(400, "body is not UTF-8") from None


def _content_type(headers: dict[str, str]) -> str | None:
    content_type = headers.get("content-type")
    return content_type.split(";")[0] if content_type is not None else None


def _check_content(text: str, content_type: str | None) -> None:
    """Parse as Bolt will (``slack_bolt.request.internals.parse_body``); refuse what it or a listener fails on."""
    if not text:
        raise Refused(400, "empty body")
    if content_type == "application/json" or text.startswith("{"):
        _check_json(text)
    elif "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is None:  # Bolt reads such a form as {} — a slash command whose text says "payload", too
            raise Refused(400, "form mentions payload but has no payload field")
        _check_interaction(payload)
    else:
        _check_form(text)


SUBSCRIBED_EVENTS = frozenset({"app_home_opened"})  # infra/slack-app-manifest.yml: settings.event_subscriptions


def _check_json(text: str) -> None:
    """Events API bodies: Slack's ``url_verification``, or an ``event_callback`` of an event perfbot subscribes to
    (the manifest's ``app_home_opened``) with the fields Bolt reads."""
    body = _json_object(text)
    if body.get("type") == "url_verification" and all(isinstance(v, str) for v in body.values()):
        return
    event = body.get("event")
    if (
        body.get("type") == "event_callback"
        and isinstance(event, dict)
        and event.get("type") in SUBSCRIBED_EVENTS
        and isinstance(event.get("user"), str)
        and isinstance(body.get("team_id"), str)
        and all(isinstance(body.get(k, []), list) for k in ("authorizations", "authed_users"))
    ):
        return
    raise Refused(400, "JSON body is neither a url_verification nor an event perfbot subscribes to")


def _check_form(text: str) -> None:
    """A slash command has its fields (non-empty); Slack's ``ssl_check`` is Bolt's to answer. Form keys and values
    are strings by construction, so nothing else in a form can trip Bolt."""
    form = "&" + text
    if _filled(form, "ssl_check"):
        return
    missing = [f for f in SLASH_FIELDS if not _filled(form, f)]
    if missing:
        raise Refused(400, f"slash command without {', '.join(missing)}")


def _filled(form: str, name: str) -> bool:
    """Whether ``form`` (the body with "&" in front) has field ``name`` with a non-empty value — one ``str.find``,
    as this is the ack path. A value never holds a bare "&" or "=": form encoding escapes them."""
    at = form.find(f"&{name}=")
    end = at + len(name) + 2
    return at != -1 and end < len(form) and form[end] != "&"


def _check_interaction(payload: str) -> None:
    body = _json_object(payload)
    kind = body.get("type")
    if kind == "view_submission":  # a modal's submit (maintenance, an approval's reason): the view carries the state
        view = body.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
            raise Refused(400, "view_submission without a view that has a callback_id")
        _check_objects(body, needs_response_url=False)
        _check_authorizations(body)
        return
    if kind != "block_actions":
        raise Refused(400, f"interaction type {_shown(kind)} is not handled")
    _check_actions(body.get("actions"))
    container = body.get("container")
    in_view = isinstance(container, dict) and container.get("type") == "view"  # App Home / a modal: no response_url
    _check_objects(body, needs_response_url=not in_view)
    _check_authorizations(body)
    urls = body.get("response_urls")
    if urls is not None and not (isinstance(urls, list) and all(isinstance(u, dict) for u in urls)):
        raise Refused(400, "response_urls is not a list of objects")


def _check_actions(actions: object) -> None:
    if not isinstance(actions, list) or not actions:
        raise Refused(400, "actions is not a non-empty list")
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            raise Refused(400, "an action is not an object with an action_id")
        if any(not isinstance(action.get(k, ""), str) for k in ("block_id", "value", "action_ts")):
            raise Refused(400, "an action's block_id, value or action_ts is not text")


def _check_objects(body: dict[str, Any], *, needs_response_url: bool = True) -> None:
    """What Bolt's context extraction and the listeners read: objects where they call .get, text where they keep it."""
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        raise Refused(400, "user is not an object with an id")
    if needs_response_url and (not isinstance(body.get("response_url"), str) or not body["response_url"]):
        raise Refused(400, "no response_url (every button on a message answers through it)")
    for key in OBJECT_KEYS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            raise Refused(400, f"{key} is not an object")
    for key in FOREIGN_KEYS:  # absent, not even null: Bolt reads body.get("event", {}).get(…)
        if key in body:
            raise Refused(400, f"block_actions with {key}")
    _check_texts(body, ("trigger_id", "api_app_id", "thread_ts", "enterprise_id", "team_id"))
    _check_texts(body.get("channel") or {}, ("id", "name"))
    _check_texts(body.get("container") or {}, ("message_ts", "channel_id", "thread_ts"))
    _check_texts(body.get("message") or {}, ("ts", "thread_ts", "user"))
    _check_texts(user, ("team_id",))
    for key in ("team", "enterprise"):  # Bolt takes a string or an object with an id
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            if not isinstance(value, dict):
                raise Refused(400, f"{key} is neither text nor an object")
            _check_texts(value, ("id", "enterprise_id"))


def _check_authorizations(body: dict[str, Any]) -> None:
    """Bolt reads ``authorizations[0]`` as it reads the payload itself: only flat ones (text, flags) are safe."""
    auths = body.get("authorizations")
    if auths is None:
        return
    if not isinstance(auths, list) or not all(isinstance(a, dict) for a in auths):
        raise Refused(400, "authorizations is not a list of objects")
    if any(not isinstance(v, str | bool | None) for a in auths[:1] for v in a.values()):
        raise Refused(400, "authorizations[0] is not flat")


def _check_texts(obj: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise Refused(400, f"{key} is not text")


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError; deep nesting exhausts the stack
        raise Refused(400, "not JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, "JSON is not an object")
    return value


def _check_query(query: object) -> None:
    """Bolt accepts a query object of strings or lists of them (REST v1 sends null for none)."""
    if query is None:
        return
    if not isinstance(query, dict) or not all(isinstance(v, str | list) for v in query.values()):
        raise Refused(400, "query string parameters are not text")


# -- the log line ---------------------------------------------------------------------------------------------------


def digest(body: object) -> dict[str, Any]:
    """A bounded description of a body: its length, a sha256 prefix to match it elsewhere, its first characters."""
    if isinstance(body, str):
        data = body.encode("utf-8", "surrogatepass")
        head = body[:DIGEST_HEAD]
    else:
        data = repr(type(body)).encode()
        head = f"<{type(body).__name__}>"
    return {"length": len(data), "sha256": hashlib.sha256(data).hexdigest()[:16], "head": _escaped(head)}


def _log(refused: Refused, body: object, event: dict[str, Any]) -> None:
    context = event.get("requestContext") or {}
    request_id = context.get("requestId") if isinstance(context, dict) else None
    level = logging.INFO if refused.status == 401 else logging.WARNING
    logger.log(
        logging.ERROR if refused.reason.startswith("no signing secret") else level,
        "slack_request_refused status=%s reason=%s",
        refused.status,
        refused.reason,
        extra={"status": refused.status, "reason": refused.reason, "digest": digest(body), "request_id": request_id},
    )


def _shown(value: object) -> str:
    return _escaped(str(value)[:40])


def _escaped(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii")
