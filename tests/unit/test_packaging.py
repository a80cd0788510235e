"""The package's metadata comes from the requirements files and bot.__version__ (pyproject.toml, setuptools dynamic):
every line those files hold must be something setuptools can read. scripts/check_wheel.sh builds and installs it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement

import bot

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DYNAMIC = PYPROJECT["tool"]["setuptools"]["dynamic"]
FILES = {
    "dependencies": DYNAMIC["dependencies"]["file"],
    **{f"[{extra}]": spec["file"] for extra, spec in DYNAMIC["optional-dependencies"].items()},
}


def _requirement_lines(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_line_of_the_requirements_files_is_one_requirement(name: str) -> None:
    for file in FILES[name]:
        for line in _requirement_lines(ROOT / file):
            assert not line.startswith("-"), f"{file}: {line!r}: setuptools reads this file, no pip options"
            try:
                Requirement(line)
            except InvalidRequirement as exc:
                pytest.fail(f"{file}: {line!r} (comments go on their own line): {exc}")


def test_runtime_dependencies_are_pinned_and_the_extras_are_the_expected_ones() -> None:
    runtime = [Requirement(line) for line in _requirement_lines(ROOT / "requirements.txt")]
    assert all(str(r.specifier).startswith("==") for r in runtime), "the Lambda artifact installs exact pins"
    assert {"boto3", "botocore", "slack-bolt"} <= {r.name.lower() for r in runtime}
    assert sorted(DYNAMIC["optional-dependencies"]) == ["dev", "devstack"]
    assert "moto" in {Requirement(line).name for line in _requirement_lines(ROOT / "requirements-devstack.txt")}


def test_one_version_and_one_command() -> None:
    assert DYNAMIC["version"] == {"attr": "bot.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", bot.__version__)
    assert PYPROJECT["project"]["scripts"] == {"perfbot": "bot.cli:main"}
    packages = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    assert not [p for p in packages if p.startswith(("devstack", "tests"))], "the wheel ships the product only"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{bot.__version__}]" in changelog, "CHANGELOG.md names this release"
