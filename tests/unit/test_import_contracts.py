"""Capabilities know no Slack, checked at run time beside `make lint`'s import contracts (pyproject.toml).

Each capability package and every module in it is imported in a fresh interpreter; afterwards neither Slack's SDKs nor
perfbot's Slack side may be loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for found in pkgutil.walk_packages(getattr(package, "__path__", []), package.__name__ + "."):
    importlib.import_module(found.name)
slack = ("slack_sdk", "slack_bolt", "bot.slack")
print(json.dumps(sorted(name for name in sys.modules if any(name == s or name.startswith(s + ".") for s in slack))))
"""

SLACK_FREE = [
    "bot.alarms",
    "bot.reports",
    "bot.analysis",
    "bot.changes",
    "bot.breaker",
    "bot.audit",
    "bot.aws",
    "bot.settings",
]


@pytest.mark.parametrize("package", SLACK_FREE)
def test_a_capability_loads_nothing_of_slack(package: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, package], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []
