"""Q1–Q4 — the rule engine on the labelled scenario corpus (devstack/simulator/analysis_scenarios.py), in memory:
recall ≥ 95 %, 0 harmful proposals, ≥ 90 % of estimates within ±25 % of the simulated truth, 100 % AWS-valid values.
"""

from __future__ import annotations

import sys

from devstack.simulator.quality import evaluate


def run() -> list[str]:
    return evaluate().lines()


if __name__ == "__main__":
    print("\n".join(run()))
    sys.exit(0)
