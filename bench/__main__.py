"""`make bench`: performance goals measured as ratios against a baseline in the same run, printed as figures."""

from __future__ import annotations

import importlib
import sys
import traceback

BENCHMARKS = [
    "bench.bench_slack_ack",  # P1
    "bench.bench_cold_start",  # P2
    "bench.bench_package",  # P6
    "bench.bench_sla_calls",  # P3
    "bench.bench_alarms",  # P4, P5, P7
]


def main() -> int:
    failures = 0
    for name in BENCHMARKS:
        try:
            for line in importlib.import_module(name).run():
                print(line, flush=True)
        except Exception:
            failures += 1
            print(f"{name}: FAILED", flush=True)
            traceback.print_exc()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
