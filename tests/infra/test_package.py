"""scripts/package_lambda.py without the network: what is left out, what goes in, and byte-identical zips."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from scripts import package_lambda


def test_every_requirement_is_shipped_the_sdk_included(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# comment\nslack-bolt==1.30.0\nboto3==1.44.5  # pinned\nbotocore==1.44.5\n"
        "aws-lambda-powertools[parser]==3.37.0\n-r other.txt\n",
        encoding="utf-8",
    )
    assert package_lambda.runtime_requirements(requirements) == [
        "slack-bolt==1.30.0",
        "boto3==1.44.5",
        "botocore==1.44.5",
        "aws-lambda-powertools[parser]==3.37.0",
    ]


def test_the_artifact_ships_the_sdk_the_tests_run() -> None:
    """One boto3 everywhere: the pins of requirements.txt are the versions installed here, and they are shipped."""
    from importlib import metadata

    kept = package_lambda.runtime_requirements(package_lambda.ROOT / "requirements.txt")
    pins = dict(line.split("==", 1) for line in kept if "==" in line)
    for name in ("boto3", "botocore"):
        assert pins[name] == metadata.version(name), f"{name}: requirements.txt and the test environment differ"


def _called_services() -> set[str]:
    pattern = re.compile(r"""client\(\s*["']([a-z0-9-]+)["']""")
    roots = [package_lambda.ROOT / "bot", package_lambda.ROOT / "handlers"]
    return {m for root in roots for path in root.rglob("*.py") for m in pattern.findall(path.read_text("utf-8"))}


def test_botocore_keeps_the_model_of_every_service_perfbot_calls() -> None:
    called = _called_services()
    assert {"dynamodb", "cloudwatch", "sqs", "apigateway"} <= called  # the scan finds the gateways' clients
    # Powertools' parameters read the Slack secrets from SSM (bot/slack/app.py)
    assert called | {"ssm"} <= package_lambda.BOTOCORE_SERVICES, called - package_lambda.BOTOCORE_SERVICES


def test_trimming_keeps_the_listed_services_and_botocores_shared_files(tmp_path: Path) -> None:
    data = tmp_path / "botocore" / "data"
    for service in (*package_lambda.BOTOCORE_SERVICES, "ec2", "iam"):
        (data / service / "2020-01-01").mkdir(parents=True)
        (data / service / "2020-01-01" / "service-2.json.gz").write_bytes(b"")
    for shared in ("endpoints.json", "partitions.json", "_retry.json", "sdk-default-configuration.json"):
        (data / shared).write_text("{}", encoding="utf-8")
    assert package_lambda._trim_botocore_data(tmp_path) == ["ec2", "iam"]
    assert {p.name for p in data.iterdir() if p.is_dir()} == package_lambda.BOTOCORE_SERVICES
    assert (data / "endpoints.json").is_file() and (data / "_retry.json").is_file()


def test_trimming_fails_loudly_without_a_needed_model(tmp_path: Path) -> None:
    (tmp_path / "botocore" / "data" / "dynamodb").mkdir(parents=True)
    with pytest.raises(package_lambda.PackagingError, match="no model for"):
        package_lambda._trim_botocore_data(tmp_path)


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
