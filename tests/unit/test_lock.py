"""The locks (``make lock``) hold every pin of the requirements files, with hashes: CI's venv installs
requirements-dev.lock and ``make package`` requirements.lock, so a pin added to a requirements file without
regenerating the locks would silently not be installed or shipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.package_lambda import locked_versions, stale_pins

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {
    "requirements.lock": ["requirements.txt"],
    "requirements-dev.lock": ["requirements.txt", "requirements-devstack.txt", "requirements-dev.txt"],
}


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_lock_holds_every_pin_of_its_requirements(lock: str) -> None:
    stale = stale_pins([ROOT / name for name in LOCKS[lock]], ROOT / lock)
    assert not stale, f"{lock} is stale, run `make lock`:\n" + "\n".join(stale)


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_locked_package_has_hashes_and_the_command_to_regenerate(lock: str) -> None:
    text = (ROOT / lock).read_text(encoding="utf-8")
    assert "#    make lock" in text
    entries: list[list[str]] = []
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")):
            entries.append([line])
        elif entries:
            entries[-1].append(line)
    names = {entry[0].split("==", 1)[0].split("[", 1)[0].lower() for entry in entries}
    assert entries and len(names) == len(locked_versions(ROOT / lock))  # a name may be locked per Python version
    for entry in entries:
        assert any("--hash=sha256:" in line for line in entry), f"{entry[0]} has no hash"


def test_the_runtime_lock_is_part_of_the_dev_lock() -> None:
    runtime, dev = locked_versions(ROOT / "requirements.lock"), locked_versions(ROOT / "requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime, "tests run the versions the artifact ships"


def test_a_pin_missing_from_the_lock_is_reported(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("boto3==1.44.5\n# a comment\nhypothesis==6.0.0\nslack-sdk==9.9.9\n", encoding="utf-8")
    lock = tmp_path / "requirements.lock"
    lock.write_text("boto3==1.44.5 \\\n    --hash=sha256:00\nslack-sdk==3.47.0 \\\n    --hash=sha256:11\n", "utf-8")
    assert stale_pins([requirements], lock) == [
        "requirements.txt: hypothesis==6.0.0 (lock: missing)",
        "requirements.txt: slack-sdk==9.9.9 (lock: 3.47.0)",
    ]
