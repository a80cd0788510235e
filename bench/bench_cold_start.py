"""P2 — cold import + init of handlers.slack in a fresh process vs importing slack_bolt's Lambda adapter alone.

Both run under a socket guard: any network connection attempted during import fails the benchmark.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.stats import verdict

ROUNDS = 15
GOAL = 1.1
ROOT = Path(__file__).resolve().parent.parent

GUARD = (
    "import socket\n"
    "def _deny(self, *a, **k):\n"
    "    raise SystemExit('network call at import: %r' % (a,))\n"
    "socket.socket.connect = _deny\n"
    "socket.socket.connect_ex = _deny\n"
)


def _run(statement: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", GUARD + statement],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"{statement!r} failed: {completed.stderr.strip()[-500:]}")
    return elapsed * 1000


def run() -> list[str]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "PYTHONDONTWRITEBYTECODE": "0",
    }
    env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
    ours, bare = [], []
    _run("import handlers.slack", env)  # compile bytecode once so both sides start warm on disk
    for _ in range(ROUNDS):
        bare.append(_run("import slack_bolt.adapter.aws_lambda", env))
        ours.append(_run("import handlers.slack", env))
    ours_ms, bare_ms = statistics.median(ours), statistics.median(bare)
    ratio = ours_ms / bare_ms
    return [
        "P2 cold import+init of handlers.slack vs `import slack_bolt.adapter.aws_lambda` (fresh processes, median)",
        f"   perfbot {ours_ms:.0f} ms, bare {bare_ms:.0f} ms → {ratio:.2f}× (goal ≤ {GOAL}×, {verdict(ratio, GOAL)});"
        " no network call at import",
    ]
