"""P2 — cold import + init of handlers.slack in a fresh process vs a bare Bolt app's Lambda handler module.

Both run as on Lambda (``AWS_LAMBDA_FUNCTION_NAME``, ``LAMBDA_TASK_ROOT`` and ``LOG_LEVEL`` set, so perfbot's Lambda
logging setup is part of what is measured) and under a socket guard: any network connection attempted during import
fails the benchmark. The baseline is a module too (bench/bare_slack_handler.py): importing Bolt's adapter straight from
``python -c`` costs ≈ 18 ms less than importing it from any module, which would charge perfbot for where it imports.
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
        "AWS_LAMBDA_FUNCTION_NAME": "perfbot-dev-slack",
        "AWS_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "LOG_LEVEL": "INFO",
    }
    ours: list[float] = []
    bare: list[float] = []
    for warm in ("import handlers.slack", "import bench.bare_slack_handler"):  # compile bytecode once
        _run(warm, env)
    for i in range(ROUNDS):
        for statement in ("import bench.bare_slack_handler", "import handlers.slack")[:: 1 if i % 2 else -1]:
            (bare if "bare" in statement else ours).append(_run(statement, env))
    ours_ms, bare_ms = statistics.median(ours), statistics.median(bare)
    ratio = ours_ms / bare_ms
    return [
        "P2 cold import+init of handlers.slack vs a bare Bolt app's Lambda handler module (fresh processes as on"
        " Lambda, median)",
        f"   perfbot {ours_ms:.0f} ms, bare {bare_ms:.0f} ms → {ratio:.2f}× (goal ≤ {GOAL}×, {verdict(ratio, GOAL)});"
        " no network call at import",
    ]
