"""Run perfbot's Lambda handlers in this process, each as its own function: its role's credentials, its context.

On Lambda every function's process has its role's session in the environment (AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN). The tests and the demo run all three handlers in one process, so for the
duration of one invocation — and of the Slack handler's lazy work, which runs afterwards on a local thread pool — the
environment holds that function's credentials (from the running :class:`~devstack.stack.Devstack`); then the
operator's come back. Product code caches boto3 clients per access key, so each function gets its own clients.

Identities never mix: invocations as the same function may run at once (a test of concurrent clicks), an invocation
as another function waits until they (and their lazy work) are done. Code outside an invocation that talks to AWS
while one runs (another thread) sees the function's credentials: drive the devstack from one thread at a time.

    result = invoke("alarms", sns_event)            # handlers.alarms.handler(event, context for perfbot-dev-alarms)
    with running_as("slack"):                       # several calls, or more than the handler call, as one identity
        response = handlers.slack.handler(event, context("slack"))
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from devstack.slack_requests import LambdaContext

FUNCTIONS = ("slack", "alarms", "schedule")
ACCOUNT, REGION, STAGE = "123456789012", "us-east-1", "dev"
LAZY_WORK_TIMEOUT_S = 120.0
TIMEOUTS_S = {"slack": 30.0, "alarms": 60.0, "schedule": 300.0}  # serverless.yml's; a test may shorten one

_identity = threading.Condition()
_active: str | None = None
_holders = 0
_holder_threads: dict[int, int] = {}
_saved_env: dict[str, str | None] = {}
_saved_default_session: list[Any] = []


def function_name(function: str) -> str:
    _check(function)
    return f"perfbot-{STAGE}-{function}"


def context(function: str, **overrides: Any) -> LambdaContext:
    """The Lambda context object the function's invocations get (its name, ARN, log group)."""
    name = function_name(function)
    fields: dict[str, Any] = {
        "function_name": name,
        "invoked_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "log_group_name": f"/aws/lambda/{name}",
        "memory_limit_in_mb": {"slack": 512, "alarms": 256, "schedule": 512}[function],
        "timeout_s": TIMEOUTS_S[function],
    }
    return LambdaContext(**(fields | overrides))


def active() -> str | None:
    """The function whose credentials the environment holds now, if any."""
    return _active


@contextmanager
def running_as(function: str, *, wait_for_lazy_work: bool = True) -> Iterator[None]:
    """Hold ``function``'s credentials in ``os.environ`` for the block and the Slack lazy work it started (the
    asynchronous self-invocations; one of those runs with ``wait_for_lazy_work=False``: it cannot wait for itself)."""
    global _active, _holders  # noqa: PLW0603 - one identity per process at a time is the point
    _check(function)
    thread = threading.get_ident()
    with _identity:
        if _holder_threads.get(thread) and _active != function:
            raise RuntimeError(f"already running as {_active}: one invocation cannot call another function's handler")
        while _active is not None and _active != function:
            _identity.wait()
        if _active is None:
            _switch_to(_credentials(function))
            _active = function
        _holders += 1
        _holder_threads[thread] = _holder_threads.get(thread, 0) + 1
    try:
        yield
    finally:
        if wait_for_lazy_work:
            _wait_for_lazy_work()  # lazy listeners run after the ack, still as this function
        with _identity:
            _holder_threads[thread] -= 1
            if not _holder_threads[thread]:
                del _holder_threads[thread]
            _holders -= 1
            if _holders == 0:
                _restore()
                _active = None
                _identity.notify_all()


def invoke(function: str, event: dict[str, Any], context_: Any = None) -> Any:
    """``handlers.<function>.handler(event, context)`` as that function; returns what the handler returned."""
    module = importlib.import_module(f"handlers.{function}")
    with running_as(function):
        return module.handler(event, context_ if context_ is not None else context(function))


def clients(service: str, region: str | None = None) -> list[Any]:
    """perfbot's cached ``service`` client as the operator and as each function (``bot.aws.clients`` keeps one per
    credentials): a test hook registered on all of them sees the calls whoever makes them."""
    from bot.aws.clients import client

    found = [client(service, region)]
    for function in FUNCTIONS:
        with running_as(function):
            found.append(client(service, region))
    return list({id(c): c for c in found}.values())  # one client for all when IAM is not enforced


def _check(function: str) -> None:
    if function not in FUNCTIONS:
        raise ValueError(f"unknown function {function!r}; one of {', '.join(FUNCTIONS)}")


def _credentials(function: str) -> dict[str, str]:
    from devstack.stack import current

    stack = current()
    # No devstack in this process (a bench worker, a cold invocation): its environment already is the function's.
    return stack.function_env(function) if stack is not None else {}


def _switch_to(env: dict[str, str]) -> None:
    _saved_env.clear()
    for key, value in env.items():
        _saved_env[key] = os.environ.get(key)
        os.environ[key] = value
    # boto3's default session keeps the credentials it first found: inside, a fresh one; after, the operator's again
    import boto3

    _saved_default_session[:] = [boto3.DEFAULT_SESSION]
    boto3.DEFAULT_SESSION = None


def _restore() -> None:
    for key, value in _saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _saved_env.clear()
    import boto3

    boto3.DEFAULT_SESSION = _saved_default_session[0] if _saved_default_session else None
    _saved_default_session.clear()


def _wait_for_lazy_work() -> None:
    if not wait_idle(LAZY_WORK_TIMEOUT_S):
        raise TimeoutError(f"the Slack handler's lazy work did not finish within {LAZY_WORK_TIMEOUT_S:.0f} s")


def wait_idle(timeout: float = LAZY_WORK_TIMEOUT_S) -> bool:
    """True once every asynchronous invocation of perfbot's functions (the Slack lazy listeners) has finished."""
    from devstack.aws.lambda_ import local_functions

    return local_functions.wait_idle(timeout)


def register_functions() -> None:
    """Make perfbot's functions invocable through the embedded Lambda API, each run as itself (in this process, or
    in a fresh one per invocation inside :func:`cold_invocations`)."""
    from devstack.aws.lambda_ import local_functions

    for function in FUNCTIONS:
        local_functions.register(function_name(function), functools.partial(_run_invoked, function))


@contextmanager
def cold_invocations() -> Iterator[None]:
    """Invocations through the Lambda API start a fresh process each, as a new container would."""
    global _cold  # noqa: PLW0603 - a process-wide mode for the devstack's Lambda service
    _cold = True
    try:
        yield
    finally:
        _cold = False


_cold = False


def _run_invoked(function: str, event: dict[str, Any]) -> Any:
    if _cold:
        from devstack.cold import invoke_cold
        from devstack.stack import current

        stack = current()
        env = stack.env | stack.function_env(function) if stack is not None else {}
        return invoke_cold(function, event, env=env)
    module = importlib.import_module(f"handlers.{function}")
    with running_as(function, wait_for_lazy_work=False):
        return module.handler(event, context(function))
