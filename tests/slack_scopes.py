"""Least scopes, measured: the scopes every Slack Web API call of the whole test run needed, against the manifest.

The strict emulator already refuses a call whose scope the manifest lacks (``missing_scope``, a test failure through
the zero-refusals check), so "nothing missing" holds per test. "Nothing unused" needs the whole suite: each process
records what its shared devstack's calls needed; pytest-xdist workers hand their set to the controller (as
pytest-cov hands over coverage), which compares the union with the manifest once every test has run. A partial run
(some files, ``-k``, ``--lf``) cannot judge "unused" and skips the comparison.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "infra" / "slack-app-manifest.yml"
USED = pytest.StashKey[set[str]]()
WORKER_KEY = "slack_scopes_used"


def used(config: pytest.Config) -> set[str]:
    if USED not in config.stash:
        config.stash[USED] = set()
    return config.stash[USED]


def record(config: pytest.Config, scopes: set[str]) -> None:
    used(config).update(scopes)


def manifest() -> tuple[set[str], bool]:
    """The bot scopes the manifest requests, and whether it declares a slash command (the ``commands`` scope's use)."""
    data: Any = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return set(data["oauth_config"]["scopes"]["bot"]), bool(data["features"].get("slash_commands"))


def whole_suite_ran(config: pytest.Config) -> bool:
    option = config.option
    if option.keyword or option.markexpr or getattr(option, "lf", False) or getattr(option, "failedfirst", False):
        return False
    functional = ROOT / "tests" / "functional"
    targets = [Path(a.split("::")[0]).resolve() for a in config.args] or [ROOT / "tests"]
    return any(t == functional or t in functional.parents for t in targets) and all("::" not in a for a in config.args)


def verdict(needed: set[str]) -> list[str]:
    requested, has_command = manifest()
    if has_command:
        needed = needed | {"commands"}  # the slash command itself: Slack needs the scope to deliver /perf
    problems = []
    if missing := sorted(needed - requested):
        problems.append(f"needed but not requested in {MANIFEST.name}: {', '.join(missing)}")
    if unused := sorted(requested - needed):
        problems.append(f"requested in {MANIFEST.name} but no call of the suite needed: {', '.join(unused)}")
    return problems
