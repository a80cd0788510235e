"""`python -m bot` where the devstack is absent (the Lambda artifact, a plain install): the product's verbs work, the
devstack's are simply not offered."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def product_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bot/, handlers/ and perfbot.yml without the devstack, as scripts/package_lambda.py ships them."""
    where = tmp_path_factory.mktemp("artifact")
    for source in ("bot", "handlers"):
        shutil.copytree(ROOT / source, where / source, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "perfbot.yml", where / "perfbot.yml")
    return where


def run(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    probe = "import importlib.util, runpy, sys; assert importlib.util.find_spec('devstack') is None; "
    probe += "sys.argv = ['perfbot', *sys.argv[1:]]; runpy.run_module('bot', run_name='__main__')"
    return subprocess.run(
        [sys.executable, "-c", probe, *args],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("args", [("--help",), ("audit", "verify", "--help"), ("analyze", "--help")])
def test_the_product_verbs_work_without_the_devstack(product_only: Path, args: tuple[str, ...]) -> None:
    completed = run(product_only, *args)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "usage: perfbot" in completed.stdout


def test_the_devstack_verbs_are_not_offered_without_it(product_only: Path) -> None:
    listing = run(product_only, "--help").stdout
    assert "bootstrap" in listing and "audit" in listing
    assert "demo" not in listing and "simulate" not in listing
    assert run(product_only, "demo").returncode == 2  # argparse: an unknown verb


def test_version_is_the_packages_one(product_only: Path) -> None:
    import bot

    completed = run(product_only, "--version")
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.strip() == f"perfbot {bot.__version__}"
    assert bot.__version__.count(".") == 2 and all(part.isdigit() for part in bot.__version__.split("."))
