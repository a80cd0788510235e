"""IAM enforced in the embedded AWS, per function, as on a real deployment.

moto can authenticate requests (``INITIAL_NO_AUTH_ACTION_COUNT``) but then authorizes ``<signing name>:<operation>``
against resource ``"*"`` only, with no conditions. Here, for an embedded server that enforces IAM:

1. **Principals.** :class:`Principals` creates in moto's IAM one role per perfbot function (``perfbot-dev-slack`` …)
   carrying exactly its role's inline and managed policies from ``infra/generated/function-policies.json`` (Deny
   included), assumes each through moto's STS (session name = function name, as Lambda does), and adds an
   **operator** user (``*`` on ``*``) whose keys are the devstack's default environment credentials. Credentials stay
   the same for the whole process; moto's reset wipes IAM and STS, so every reset provisions them again.
2. **Authentication** is moto's: the access key must belong to a known user or assumed role and the SigV4 signature
   must verify (``InvalidClientTokenId`` / ``SignatureDoesNotMatch`` otherwise).
3. **Authorization** is IAM's: :mod:`.actions` names the action(s) and resource ARN(s) the request needs,
   :mod:`.policy` evaluates the principal's statements (explicit Deny wins, an Allow must match action and
   resource and its conditions). The operator's ``*``/``*`` short-cuts all of that.
4. **Denials** answer AWS's error in the service's own protocol (DynamoDB ``AccessDeniedException``, CloudWatch
   ``AccessDenied``, SNS ``AuthorizationError`` …) with AWS's message, and are logged per server
   (:attr:`Enforcement.denials`) so a test can fail on any.

Servers that do not enforce (``start_aws()`` without principals) keep moto's unauthenticated behaviour, even when an
enforcing one runs in the same process: enforcement is looked up by the port a request arrived on.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import secrets
import string
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

from botocore.utils import normalize_url_path

from . import actions as iam_actions
from . import policy as iam_policy

ROOT = Path(__file__).resolve().parents[3]
FUNCTION_POLICIES = ROOT / "infra" / "generated" / "function-policies.json"
OPERATOR = "operator"
OPERATOR_USER = "perfbot-operator"
ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
SESSION_SECONDS = 12 * 3600
# (error code, HTTP status) of an authorization failure, per signing name, as each service answers it
_DENIED = {
    "dynamodb": ("AccessDeniedException", 400),
    "lambda": ("AccessDeniedException", 403),
    "apigateway": ("AccessDeniedException", 403),
    "monitoring": ("AccessDenied", 403),
    "ssm": ("AccessDeniedException", 400),
    "application-autoscaling": ("AccessDeniedException", 400),
    "logs": ("AccessDeniedException", 400),
    "kms": ("AccessDeniedException", 400),
    "bedrock": ("AccessDeniedException", 403),
    "sts": ("AccessDenied", 403),
    "iam": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "sqs": ("AccessDenied", 403),
}


# ----------------------------------------------------------------------------------------------- credentials


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str = ""

    def env(self) -> dict[str, str]:
        """boto3's environment variables for these credentials (an empty AWS_SESSION_TOKEN for long-term keys)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def _random(prefix: str, length: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length - len(prefix)))


def _new_credentials(temporary: bool) -> Credentials:
    secret = _random("", 40, string.ascii_letters + string.digits + "+/")
    if not temporary:
        return Credentials(_random("AKIA", 20), secret)
    return Credentials(_random("ASIA", 20), secret, _random("FQoGZXIvYXdzE", 356, string.ascii_letters + string.digits))


# ----------------------------------------------------------------------------------------------- principals


@dataclass(frozen=True)
class FunctionRole:
    function: str  # slack, alarms, schedule
    function_name: str  # perfbot-dev-slack
    role_name: str
    path: str
    policies: tuple[dict[str, Any], ...]  # {"name", "type": inline|managed, "document"}


_process_credentials: dict[tuple[str, str], Credentials] = {}
_process_credentials_lock = threading.Lock()


def _credentials_for(account: str, principal: str, *, temporary: bool) -> Credentials:
    """One set of credentials per principal for the whole process: every devstack started in it (and every reset,
    which wipes moto's IAM) brings the principal back with the same keys."""
    with _process_credentials_lock:
        key = (account, principal)
        if key not in _process_credentials:
            _process_credentials[key] = _new_credentials(temporary=temporary)
        return _process_credentials[key]


class Principals:
    """The operator and one assumed role per function, from a function-policies document; stable credentials."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.account = str(document["account"])
        self.partition = str(document.get("partition", "aws"))
        self.region = str(document.get("region", "us-east-1"))
        self.functions = {
            short: FunctionRole(
                function=short,
                function_name=str(spec["function_name"]),
                role_name=str(spec["role"]["name"]),
                path=str(spec["role"].get("path", "/")),
                policies=tuple(spec["policies"]),
            )
            for short, spec in document["functions"].items()
        }
        self.credentials: dict[str, Credentials] = {
            OPERATOR: _credentials_for(self.account, OPERATOR_USER, temporary=False)
        }
        for short, role in self.functions.items():
            self.credentials[short] = _credentials_for(self.account, f"role/{role.role_name}", temporary=True)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path = FUNCTION_POLICIES) -> Principals:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def role_arn(self, function: str) -> str:
        role = self.functions[function]
        return f"arn:{self.partition}:iam::{self.account}:role{role.path}{role.role_name}"

    def session_arn(self, function: str) -> str:
        role = self.functions[function]
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{role.role_name}/{role.function_name}"

    def provision(self) -> None:
        """Create the principals in moto's IAM and STS (again after a reset); what already exists is kept."""
        from moto.iam.models import iam_backends
        from moto.sts.models import sts_backends

        with self._lock:
            iam = iam_backends[self.account][self.partition]
            sts = sts_backends[self.account][self.partition]
            if OPERATOR_USER not in iam.users:
                iam.create_user(self.region, OPERATOR_USER, path="/perfbot/")
                iam.put_user_policy(OPERATOR_USER, "operator-everything", json.dumps(ADMIN_POLICY))
            if self.credentials[OPERATOR].access_key_id not in iam.access_keys:
                _set_key(iam, iam.create_access_key(OPERATOR_USER), self.credentials[OPERATOR])
            for short, role in self.functions.items():
                if not any(r.name == role.role_name for r in iam.roles.values()):
                    self._create_role(iam, short, role)
                if not any(a.access_key_id == self.credentials[short].access_key_id for a in sts.assumed_roles):
                    assumed = sts.assume_role(
                        region_name=self.region,
                        role_session_name=role.function_name,
                        role_arn=self.role_arn(short),
                        policy="",
                        duration=SESSION_SECONDS,
                        external_id="",
                    )
                    _set_session(iam, assumed, self.credentials[short])

    def _create_role(self, iam: Any, short: str, role: FunctionRole) -> None:
        managed: dict[str, str] = {p.name: p.arn for p in iam.managed_policies.values()}
        iam.create_role(
            role.role_name, json.dumps(LAMBDA_TRUST), role.path, None, f"perfbot {short} function", [], None
        )
        for policy in role.policies:
            text = json.dumps(policy["document"])
            if policy["type"] == "inline":
                iam.put_role_policy(role.role_name, policy["name"], text)
                continue
            if policy["name"] not in managed:
                created = iam.create_policy(f"perfbot {policy['name']}", "/perfbot/", text, policy["name"], [])
                managed[policy["name"]] = created.arn
            iam.attach_role_policy(managed[policy["name"]], role.role_name)


def _set_key(iam: Any, key: Any, credentials: Credentials) -> None:
    """Give a moto access key the process's stable id and secret (so credentials survive a reset)."""
    iam.access_keys.pop(key.access_key_id, None)
    key.access_key_id, key.secret_access_key = credentials.access_key_id, credentials.secret_access_key
    iam.access_keys[key.access_key_id] = key


def _set_session(iam: Any, assumed: Any, credentials: Credentials) -> None:
    _set_key(iam, assumed.access_key, credentials)
    assumed.access_key_id = credentials.access_key_id
    assumed.secret_access_key = credentials.secret_access_key
    assumed.session_token = credentials.session_token


# ----------------------------------------------------------------------------------------------- denials


@dataclass(frozen=True)
class Denial:
    """One request IAM refused: who, what, on which resource, and why (the deciding statement for a Deny)."""

    action: str
    resource: str
    principal: str
    message: str
    operation: str = ""
    explicit: bool = False
    statement: str = ""
    at: float = field(default_factory=time.time)

    def __str__(self) -> str:
        why = f"explicit Deny {self.statement}" if self.explicit else "no Allow"
        return f"{self.action} on {self.resource} by {self.principal} ({why})"


class Enforcement:
    """IAM enforcement for one embedded server: its principals and its log of denials."""

    def __init__(self, principals: Principals) -> None:
        self.principals = principals
        self._denials: list[Denial] = []
        self._lock = threading.Lock()

    @property
    def denials(self) -> list[Denial]:
        with self._lock:
            return list(self._denials)

    def clear_denials(self) -> list[Denial]:
        with self._lock:
            taken, self._denials = self._denials, []
            return taken

    def record(self, denial: Denial) -> None:
        with self._lock:
            self._denials.append(denial)


_enforced: dict[int, Enforcement] = {}
_registry_lock = threading.Lock()
_saved_no_auth: list[float] = []


def enforce(port: int, principals: Principals) -> Enforcement:
    """Enforce IAM on the server listening on ``port``: provision the principals and turn moto's auth on."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    apply()
    principals.provision()
    enforcement = Enforcement(principals)
    with _registry_lock:
        if not _enforced:
            _saved_no_auth.append(settings.INITIAL_NO_AUTH_ACTION_COUNT)
            settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
            ActionAuthenticatorMixin.request_count = 0
        _enforced[port] = enforcement
    return enforcement


def release(port: int) -> None:
    from moto import settings

    with _registry_lock:
        if _enforced.pop(port, None) is not None and not _enforced and _saved_no_auth:
            settings.INITIAL_NO_AUTH_ACTION_COUNT = _saved_no_auth.pop()


def _provision_all() -> None:
    with _registry_lock:
        principals = {id(e.principals): e.principals for e in _enforced.values()}
    for p in principals.values():
        p.provision()


# ----------------------------------------------------------------------------------------------- the request path


def _http_exception(body: str | bytes, status: int) -> Exception:
    from werkzeug.exceptions import HTTPException

    error = HTTPException(description=body)  # type: ignore[arg-type]
    error.code = status
    return error


def _enforcement_for(response: Any) -> Enforcement | None:
    if not _enforced:
        return None
    host = str(response.headers.get("Host") or "")
    _, _, port = host.rpartition(":")
    return _enforced.get(int(port)) if port.isdigit() else None


def _scope(headers: Any) -> tuple[str, str, str]:
    """(access key id, region, signing name) from the SigV4 Authorization header."""
    auth = str(headers.get("Authorization") or "")
    credential = auth.partition("Credential=")[2].partition(",")[0].split("/")
    if len(credential) < 4:
        return "", "", ""
    return credential[0], credential[2], credential[3]


@dataclass(frozen=True)
class _Principal:
    arn: str
    role_or_user_arn: str
    kind: str  # "AssumedRole" | "User"
    user_id: str
    username: str
    policies: iam_policy.PolicySet


def _authenticate(response: Any) -> _Principal:
    """The principal whose access key signed the request (moto's key lookup), once its SigV4 signature verifies."""
    from moto.core.exceptions import InvalidClientTokenIdError
    from moto.iam.access_control import AssumedRoleAccessKey, CreateAccessKeyFailure, create_access_key
    from moto.iam.models import iam_backends
    from moto.utilities.utils import get_partition

    access_key_id, region, _ = _scope(response.headers)
    if not access_key_id:
        raise InvalidClientTokenIdError()
    try:
        key = create_access_key(
            account_id=response.current_account,
            partition=get_partition(region),
            access_key_id=access_key_id,
            headers=response.headers,
        )
    except CreateAccessKeyFailure:
        raise InvalidClientTokenIdError() from None
    body = getattr(response, "_perfbot_signed_body", None) or response.raw_body or b""
    body = body.encode() if isinstance(body, str) else bytes(body)
    if not _signature_verifies(response, key.create_credentials().secret_key, body):
        _moto_signature_check(response, body)  # moto's exact rebuild of the request; raises SignatureDoesNotMatch
    iam = iam_backends[key.account_id][get_partition(region)]
    if isinstance(key, AssumedRoleAccessKey):
        role = iam.get_role(key._owner_role_name)
        documents = [(name, text) for name, text in role.policies.items()]
        documents += [(p.name, _default_document(p)) for p in role.managed_policies.values()]
        return _Principal(
            key.arn, role.arn, "AssumedRole", f"{role.id}:{key._session_name}", "", iam_policy.policy_set(documents)
        )
    user = iam.get_user(key._owner_user_name)
    documents = list(user.policies.items()) + [(p.name, _default_document(p)) for p in user.managed_policies.values()]
    for group in iam.get_groups_for_user(user.name):
        documents += list(group.policies.items()) + [
            (p.name, _default_document(p)) for p in group.managed_policies.values()
        ]
    return _Principal(key.arn, key.arn, "User", user.id, user.name, iam_policy.policy_set(documents))


_signing_keys: dict[tuple[str, str], bytes] = {}


def _signature_verifies(response: Any, secret: str, body: bytes) -> bool:
    """SigV4 as botocore signs (canonical request, string to sign, derived key), straight from the raw request; the
    derived key is remembered per secret and scope. False means "not verified here": the caller asks moto."""
    headers = response.headers
    algorithm, _, rest = str(headers.get("Authorization") or "").partition(" ")
    fields = dict(part.strip().partition("=")[::2] for part in rest.split(","))
    credential = fields.get("Credential", "").split("/")
    signed, given, amz_date = fields.get("SignedHeaders", ""), fields.get("Signature", ""), headers.get("X-Amz-Date")
    if algorithm != "AWS4-HMAC-SHA256" or len(credential) != 5 or not (signed and given and amz_date):
        return False
    if not body and "x-www-form-urlencoded" in str(headers.get("Content-Type")):
        return False  # werkzeug parsed the form away: moto's check signs it as its data
    query = response.parsed_url.query
    pairs = sorted(tuple(pair.partition("=")[::2]) for pair in query.split("&")) if query else []
    canonical = "\n".join(
        [
            str(response.method).upper(),
            quote(normalize_url_path(response.raw_path.partition("?")[0]), safe="/~"),
            "&".join(f"{k}={v}" for k, v in pairs),
            "".join(f"{name}:{' '.join(str(headers.get(name, '')).split())}\n" for name in signed.split(";")),
            signed,
            headers.get("X-Amz-Content-SHA256") or hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = "/".join(credential[1:])
    string_to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _signing_keys.get((secret, scope))
    if key is None:
        key = f"AWS4{secret}".encode()
        for part in credential[1:]:
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        if len(_signing_keys) > 1024:
            _signing_keys.clear()
        _signing_keys[(secret, scope)] = key
    return hmac.compare_digest(hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest(), given)


def _moto_signature_check(response: Any, body: bytes) -> None:
    from moto.iam.access_control import IAMRequest

    path = response.raw_path
    if response.parsed_url.query and "?" not in path:
        path += "?" + response.parsed_url.query
    IAMRequest(
        account_id=response.current_account,
        method=response.method,
        path=path,
        # moto verifies ``body or data``: a body-less GET would be hashed as its parsed query (or its headers) and
        # never verify; only a form post (query protocol, whose body werkzeug parsed away) is signed as its data
        data=response.data if "x-www-form-urlencoded" in str(response.headers.get("Content-Type")) else {},
        body=body,
        headers=response.headers,
        action=response._get_action(),
    ).check_signature()


def _default_document(policy: Any) -> str:
    return str(next(v.document for v in policy.versions if v.is_default))


def _context(principal: _Principal, region: str, account: str) -> dict[str, str | tuple[str, ...]]:
    now = datetime.now(UTC)
    context: dict[str, str | tuple[str, ...]] = {
        "aws:principalarn": principal.role_or_user_arn,
        "aws:principalaccount": account,
        "aws:principaltype": principal.kind,
        "aws:userid": principal.user_id,
        "aws:requestedregion": region,
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": str(int(now.timestamp())),
        "aws:viaawsservice": "false",
    }
    if principal.username:
        context["aws:username"] = principal.username
    return context


def message(principal: str, action: str, resource: str, explicit: bool) -> str:
    """AWS's wording for an identity-policy denial (no "on resource" for an action without resource types)."""
    on = f" on resource: {resource}" if resource != "*" else ""
    why = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {action} action"
    )
    return f"User: {principal} is not authorized to perform: {action}{on} {why}"


def authorize(response: Any, resource: str = "*") -> None:
    """moto's ``_authenticate_and_authorize_normal_action``, with IAM's actions, resources and evaluation."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        ActionAuthenticatorMixin.request_count += 1
        return
    enforcement = _enforcement_for(response)
    if enforcement is None:
        return
    if response.headers.get("X-Amz-Target") in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
        return
    principal = _authenticate(response)
    if principal.policies.allows_everything:
        return  # the operator: nothing to evaluate
    _, region, service = _scope(response.headers)
    call = iam_actions.Call(
        service=service,
        operation=str(response._get_action() or ""),
        region=region or response.region,
        account=response.current_account,
        method=response.method,
        path=response.path,
        params=iam_actions.params_of(getattr(response, "params", None) or response.body, response.uri_match),
        query=dict(parse_qsl(response.parsed_url.query, keep_blank_values=True)),
        partition=response.partition,
    )
    context = _context(principal, call.region, call.account)
    prefix = iam_actions.service_prefix(service)
    for need in iam_actions.needed(call):
        decision = principal.policies.decide(need.action, need.resource, {**context, **need.context}, prefix)
        if decision.allowed:
            continue
        text = message(principal.arn, need.action, need.resource, decision.explicit_deny)
        enforcement.record(
            Denial(
                action=need.action,
                resource=need.resource,
                principal=principal.arn,
                message=text,
                operation=call.operation,
                explicit=decision.explicit_deny,
                statement=decision.statement,
            )
        )
        raise _denied(response, service, text)


def _denied(response: Any, service: str, text: str) -> Exception:
    """The service's own error response for a denial, through moto's serializer for the request's protocol."""
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult

    class AccessDenied(ServiceException):  # defined outside moto: moto looks the code up in the service's model only
        pass

    code, status = _DENIED.get(service, ("AccessDeniedException", 400))
    try:
        with warnings.catch_warnings():  # "does not match an error shape": IAM's errors are in few service models
            warnings.simplefilter("ignore", UserWarning)
            _, headers, body = response.serialized(ActionResult(AccessDenied(code, text)))
    except Exception:  # a protocol moto cannot serialise an error for: plain JSON, which the JSON protocols read
        headers, body = {"Content-Type": "application/json"}, json.dumps({"__type": code, "message": text})
    response.response_headers.update({k: v for k, v in headers.items() if k.lower() != "status"})
    return _http_exception(body, status)


def _s3_gate(original: Callable[..., None]) -> Callable[..., None]:
    def authorize_s3(self: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
        if _enforcement_for(self) is None:
            return  # a server without enforcement: as moto without auth
        original(self, bucket_name, key_name)

    authorize_s3.__perfbot_iam__ = True  # type: ignore[attr-defined]
    return authorize_s3


def _keeping_the_signed_body(original: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """moto decompresses a gzip request body (botocore compresses large PutMetricData) in place; the signature covers
    the compressed bytes, so keep them for the signature check."""

    def decompress_request_body(self: Any, request: Any) -> None:
        if request.content_encoding == "gzip" and self.allow_request_decompression:
            self._perfbot_signed_body = request.stream.read()
            request.stream = io.BytesIO(self._perfbot_signed_body)
        original(self, request)

    decompress_request_body.__perfbot_iam__ = True  # type: ignore[attr-defined]
    return decompress_request_body


def _reset_then_provision(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def reset(self: Any) -> None:
        original(self)
        _provision_all()  # moto's reset wiped IAM and STS: the principals of every enforcing server come back

    reset.__perfbot_iam__ = True  # type: ignore[attr-defined]
    return reset


def _authorize_method(self: Any, resource: str = "*") -> None:
    authorize(self, resource)


_authorize_method.__perfbot_iam__ = True  # type: ignore[attr-defined]


def apply() -> None:
    """Route moto's request authorization through :func:`authorize`, and re-provision after every reset."""
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.core.responses import BaseResponse
    from moto.moto_api._internal.models import MotoAPIBackend

    if not getattr(ActionAuthenticatorMixin._authenticate_and_authorize_normal_action, "__perfbot_iam__", False):
        ActionAuthenticatorMixin._authenticate_and_authorize_normal_action = _authorize_method  # type: ignore[method-assign]
    s3 = ActionAuthenticatorMixin._authenticate_and_authorize_s3_action
    if not getattr(s3, "__perfbot_iam__", False):
        ActionAuthenticatorMixin._authenticate_and_authorize_s3_action = _s3_gate(s3)  # type: ignore[method-assign]
    if not getattr(BaseResponse.decompress_request_body, "__perfbot_iam__", False):
        BaseResponse.decompress_request_body = _keeping_the_signed_body(  # type: ignore[method-assign, assignment]
            BaseResponse.decompress_request_body
        )
    if not getattr(MotoAPIBackend.reset, "__perfbot_iam__", False):
        MotoAPIBackend.reset = _reset_then_provision(MotoAPIBackend.reset)  # type: ignore[method-assign, assignment]
