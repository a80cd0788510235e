"""perfbot's own functions behind the Lambda Invoke API, run in this process (moto runs function code only in Docker).

On AWS, Bolt's lazy listeners re-invoke the Slack function asynchronously (``InvocationType=Event``, which needs
``lambda:InvokeFunction`` on itself) and Lambda runs the copy in some container. Here the devstack registers each
function's runner (:meth:`LocalFunctions.register`); an ``Event`` invocation of it is accepted with 202 and run on a
worker thread, a ``RequestResponse`` one runs at once and answers with the result. :meth:`LocalFunctions.wait_idle`
is how the tests and the demo wait for the asynchronous work to finish. Invoking any other function is moto's as usual.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from moto.awslambda.models import LambdaBackend

log = logging.getLogger(__name__)

Runner = Callable[[dict[str, Any]], Any]


class LocalFunctions:
    def __init__(self, max_workers: int = 8) -> None:
        self._runners: dict[str, Runner] = {}
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="local-lambda")
        self._pending = 0
        self._idle = threading.Condition()

    def register(self, function_name: str, runner: Runner) -> None:
        with self._idle:
            self._runners[function_name] = runner

    def unregister(self, function_name: str) -> None:
        with self._idle:
            self._runners.pop(function_name, None)

    def runner(self, function: str) -> Runner | None:
        name = function.split(":function:", 1)[-1].split(":", 1)[0]  # a name, a partial or a full ARN
        return self._runners.get(name)

    def invoke_async(self, runner: Runner, event: dict[str, Any]) -> None:
        with self._idle:
            self._pending += 1
        self._pool.submit(self._run, runner, event)

    def _run(self, runner: Runner, event: dict[str, Any]) -> None:
        try:
            runner(event)
        except Exception:  # Lambda logs a failed asynchronous invocation; it does not reach the caller
            log.exception("local_lambda_invocation_failed")
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """True once every asynchronous invocation (and those they started) has finished."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)


local_functions = LocalFunctions()


def _invoke(original: Callable[..., Any]) -> Callable[..., Any]:
    def invoke(
        self: LambdaBackend, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> Any:
        runner = local_functions.runner(function_name)
        if runner is None:
            return original(self, function_name, qualifier, body, headers, response_headers)
        raw = body.decode("utf-8") if isinstance(body, bytes) else body
        event = json.loads(raw or "{}")
        if headers.get("X-Amz-Invocation-Type") == "Event":
            local_functions.invoke_async(runner, event)
            return b""
        return json.dumps(runner(event), default=str).encode("utf-8")

    invoke.__perfbot_local__ = True  # type: ignore[attr-defined]
    return invoke


def apply() -> None:
    if not getattr(LambdaBackend.invoke, "__perfbot_local__", False):
        LambdaBackend.invoke = _invoke(LambdaBackend.invoke)  # type: ignore[method-assign]
