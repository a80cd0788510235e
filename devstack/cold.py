"""One handler invocation in a new Python process: a cold Lambda container, with nothing in memory from earlier ones.

Follow-ups to an alarm or a card (Acknowledge, Silence, recovery, Approve, Undo) usually land in another container
than the one that posted the message, so they may rely only on what was stored (channel IDs, message ts), never on a
cache. Tests prove that by running the follow-up here::

    invoke_cold("slack", event, env=stack.env | stack.function_env("slack"))

The child reads the event from stdin, calls ``handlers.<function>.handler`` with its Lambda context and prints the
response as JSON. Lazy work the Slack handler starts is an asynchronous invocation through the embedded Lambda API,
run by the devstack in this (the parent's) process: wait for it with ``devstack.lambdas.wait_idle()``, and run it in
a fresh process too inside ``devstack.lambdas.cold_invocations()``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ("slack", "alarms", "schedule")


class ColdInvocationFailed(RuntimeError):
    pass


def invoke_cold(function: str, event: dict[str, Any], *, env: dict[str, str], timeout: float = 120) -> dict[str, Any]:
    """Run ``handlers.<function>.handler(event)`` in a fresh interpreter with exactly ``env`` (plus PATH/HOME)."""
    if function not in FUNCTIONS:
        raise ValueError(f"unknown function {function!r}; one of {', '.join(FUNCTIONS)}")
    base = {k: v for k in ("PATH", "HOME", "LANG", "TMPDIR") if (v := os.environ.get(k))}
    completed = subprocess.run(  # noqa: S603 - this interpreter running this module; the function name is checked
        [sys.executable, "-m", "devstack.cold", function],
        input=json.dumps(event),
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise ColdInvocationFailed(f"{function} handler failed in a fresh process:\n{completed.stderr[-4000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def _main(function: str) -> None:
    from devstack.lambdas import context

    event = json.load(sys.stdin)
    module = importlib.import_module(f"handlers.{function}")
    response = module.handler(event, context(function))
    print(json.dumps(response, default=str), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1])
