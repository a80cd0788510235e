"""`make bench`: performance goals measured as ratios against a baseline in the same run, printed as figures.

Each benchmark runs in a fresh process: handlers build their app from the environment at import, and every
benchmark starts its own devstack, so nothing may carry over from one to the next.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = [
    "bench.bench_slack_ack",  # P1
    "bench.bench_cold_start",  # P2
    "bench.bench_sla_calls",  # P3
    "bench.bench_alarms",  # P4, P7
    "bench.bench_alarm_post",  # P5
    "bench.bench_package",  # P6
    "bench.bench_quality",  # Q1–Q4: the analysis corpus
    "bench.bench_loadgen",  # P8
]
ROOT = Path(__file__).resolve().parent.parent
RUNNER = "import sys\nfrom {name} import run\nfor line in run():\n    print(line, flush=True)\n"


def main() -> int:
    failures = 0
    for name in BENCHMARKS:
        completed = subprocess.run([sys.executable, "-c", RUNNER.format(name=name)], cwd=ROOT, check=False)
        if completed.returncode != 0:
            failures += 1
            print(f"{name}: FAILED (exit {completed.returncode})", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
