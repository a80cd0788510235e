"""scripts/package_lambda.py without the network: what is left out, what goes in, and byte-identical zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

from scripts import package_lambda


def test_runtime_provided_sdk_is_not_installed(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# comment\nslack-bolt==1.30.0\nboto3==1.44.5  # runtime\nbotocore==1.44.5\n"
        "aws-lambda-powertools[parser]==3.37.0\nPython_Dateutil>=2\n-r other.txt\n",
        encoding="utf-8",
    )
    assert package_lambda.runtime_requirements(requirements) == [
        "slack-bolt==1.30.0",
        "aws-lambda-powertools[parser]==3.37.0",
    ]


def test_shipped_requirements_keep_the_sdk_out() -> None:
    kept = package_lambda.runtime_requirements(package_lambda.ROOT / "requirements.txt")
    assert kept, "requirements.txt lists the runtime dependencies"
    assert not [line for line in kept if line.split("=")[0].split("[")[0].lower() in {"boto3", "botocore"}]


def test_dependencies_pulled_in_by_others_are_removed_by_their_record(tmp_path: Path) -> None:
    for name, files in {
        "jmespath-1.1.0": ["jmespath/__init__.py"],
        "slack_sdk-3.47.0": ["slack_sdk/__init__.py"],
    }.items():
        dist_info = tmp_path / f"{name}.dist-info"
        dist_info.mkdir()
        for file in files:
            (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / file).write_text("", encoding="utf-8")
        (dist_info / "RECORD").write_text("".join(f"{f},,\n" for f in files), encoding="utf-8")
    assert package_lambda._remove_runtime_provided(tmp_path) == ["jmespath"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slack_sdk", "slack_sdk-3.47.0.dist-info"]


def test_sources_leave_out_the_devstack_and_bytecode(tmp_path: Path) -> None:
    package_lambda._copy_sources(tmp_path)
    assert (tmp_path / "perfbot.yml").is_file()
    assert (tmp_path / "bot" / "settings.py").is_file()
    assert (tmp_path / "handlers").is_dir()
    assert not (tmp_path / "devstack").exists() and not (tmp_path / "bot" / "devstack").exists()
    assert not list(tmp_path.rglob("__pycache__")) and not list(tmp_path.rglob("*.pyc"))


def test_zip_is_deterministic(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "b.py").write_text("b = 2\n", encoding="utf-8")
    (source / "a.py").write_text("a = 1\n", encoding="utf-8")
    (source / "bin").mkdir()
    (source / "bin" / "tool").write_text("#!/bin/sh\n", encoding="utf-8")
    first, second = tmp_path / "1.zip", tmp_path / "2.zip"
    package_lambda._write_zip(source, first)
    (source / "a.py").touch()  # a newer mtime must not change the bytes
    package_lambda._write_zip(source, second)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        assert zf.namelist() == ["a.py", "pkg/b.py"]
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
