"""The guide's performance test suite against any HTTP endpoint: ``python -m bot loadtest``.

Slack-free. The generator (aiohttp + HdrHistogram, open loop) is imported only when a test runs; reading stored
results (``/perf loadtest status``) needs neither.
"""

from __future__ import annotations

from bot.loadtest.models import LoadTestRun, PhaseResult, Regression, SloCheck
from bot.loadtest.profiles import PROFILES
from bot.loadtest.store import LoadTestStore
from bot.loadtest.target import RefusedTarget, check_target

__all__ = [
    "PROFILES",
    "LoadTestRun",
    "LoadTestStore",
    "PhaseResult",
    "RefusedTarget",
    "Regression",
    "SloCheck",
    "check_target",
]
