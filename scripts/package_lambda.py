"""Build the Lambda deployment artifact ``build/perfbot.zip`` (serverless.yml's ``package.artifact``).

The runtime dependencies of ``requirements.txt``, as ``requirements.lock`` pins them with their hashes (``make
lock``), are installed as manylinux2014_aarch64 / CPython 3.12 wheels (the
functions run on arm64 python3.12) — boto3 and botocore included, at the versions the tests run: the artifact's
directory comes first on Lambda's ``sys.path``, so the functions never run on the runtime's own (older, unpinned)
SDK. botocore's service models are trimmed to the services perfbot calls (``BOTOCORE_SERVICES``; a test derives them
from the code), which keeps the artifact small. Then perfbot's code: ``bot/``, ``handlers/`` and ``perfbot.yml`` (the
devstack is a package of its own, for the demo and tests only, and never shipped). The zip
is deterministic: sorted entries, fixed timestamps and permissions, so the same inputs give the same bytes.

    python scripts/package_lambda.py        # prints the artifact path and its size
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build"
ARTIFACT = BUILD_DIR / "perfbot.zip"

PLATFORM = "manylinux2014_aarch64"
PYTHON_VERSION = "3.12"

# The AWS services perfbot calls: its gateways (bot/aws/), and Powertools' parameters (SSM) and idempotency
# (DynamoDB). botocore/data keeps these service models and its shared files (endpoints, partitions, retry rules)
# and drops the other ~400 (≈ 27 MB unzipped). tests/infra/test_package.py fails when the code calls another one.
BOTOCORE_SERVICES = frozenset(
    {
        "apigateway", "application-autoscaling", "bedrock-runtime", "cloudwatch", "dynamodb", "lambda", "s3", "sqs",
        "ssm",
        "sts",  # credential and region resolution paths may load it; 50 KB
    }
)  # fmt: skip

# perfbot sources that go into the artifact, relative to the repository root.
SOURCES = ("bot", "handlers", "perfbot.yml")

_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest timestamp a zip can hold: nothing of the build time leaks in


class PackagingError(Exception):
    """The artifact could not be built."""


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
    return _normalize(match.group(0)) if match else None


def runtime_requirements(requirements: Path) -> list[str]:
    """The requirement lines of ``requirements`` (comments and pip options left out): all of them are shipped."""
    kept = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if _requirement_name(line):
            kept.append(line.split("#", 1)[0].strip())
    return kept


def locked_versions(lock: Path) -> dict[str, str]:
    """Name → version of every package a lock file (``make lock``) pins."""
    pattern = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)
    return {_normalize(name): version for name, version in pattern.findall(lock.read_text(encoding="utf-8"))}


def stale_pins(requirements: list[Path], lock: Path) -> list[str]:
    """The requirements the lock does not hold at their pinned version (or at all): empty when the lock is current."""
    locked = locked_versions(lock)
    stale = []
    for path in requirements:
        for line in runtime_requirements(path):
            name = _requirement_name(line) or ""
            pinned = line.split("==", 1)[1].strip() if "==" in line else None
            if name not in locked or (pinned is not None and locked[name] != pinned):
                stale.append(f"{path.name}: {line} (lock: {locked.get(name, 'missing')})")
    return stale


def _pip_install(lock: Path, target: Path) -> None:
    # --require-hashes: every wheel must have a hash of the lock; --no-deps: the lock is the whole tree already
    cmd = [
        sys.executable, "-m", "pip", "install",
        "--quiet", "--disable-pip-version-check", "--no-compile",
        "--platform", PLATFORM, "--implementation", "cp", "--python-version", PYTHON_VERSION,
        "--only-binary=:all:", "--target", str(target),
        "--require-hashes", "--no-deps", "-r", str(lock),
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603 (our pip, our requirements)
    if result.returncode != 0:
        raise PackagingError(f"pip install failed ({' '.join(cmd)}):\n{result.stdout}{result.stderr}")


def _trim_botocore_data(target: Path, services: frozenset[str] = BOTOCORE_SERVICES) -> list[str]:
    """Delete the service models of ``botocore/data`` that perfbot never loads; returns the services removed."""
    data = target / "botocore" / "data"
    if not data.is_dir():
        raise PackagingError(f"botocore is not installed in {target}: requirements.txt must pin it")
    missing = sorted(services - {p.name for p in data.iterdir() if p.is_dir()})
    if missing:
        raise PackagingError(f"botocore has no model for {', '.join(missing)}")
    removed = sorted(p.name for p in data.iterdir() if p.is_dir() and p.name not in services)
    for name in removed:
        shutil.rmtree(data / name)
    return removed


def _copy_sources(target: Path) -> None:
    for source in SOURCES:
        src = ROOT / source
        if not src.exists():
            raise PackagingError(f"missing source {src}")
        if src.is_file():
            shutil.copy2(src, target / source)
            continue
        for path in src.rglob("*"):
            if "__pycache__" in path.parts:
                continue
            if path.is_file() and path.suffix != ".pyc":
                dest = target / path.relative_to(ROOT)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)


def _is_packaged(path: Path, root: Path) -> bool:
    rel = path.relative_to(root)
    if "__pycache__" in rel.parts or path.suffix == ".pyc":
        return False
    return rel.parts[0] != "bin"  # console scripts of the dependencies: nothing runs them on Lambda


def _write_zip(source_dir: Path, artifact: Path) -> None:
    files = sorted(p for p in source_dir.rglob("*") if p.is_file() and _is_packaged(p, source_dir))
    tmp = artifact.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(source_dir).as_posix(), date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100644 & 0xFFFF) << 16  # regular file, rw-r--r--: Lambda only needs to read it
            info.create_system = 3  # Unix, so the permission bits are honoured
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    os.replace(tmp, artifact)


def build_artifact(
    requirements: Path = ROOT / "requirements.txt", lock: Path = ROOT / "requirements.lock", output: Path = ARTIFACT
) -> Path:
    """Build the deployment zip from the lock of ``requirements`` and return its path (``build/perfbot.zip``)."""
    stale = stale_pins([requirements], lock)
    if stale:
        raise PackagingError(f"{lock.name} does not match {requirements.name}, run `make lock`: {'; '.join(stale)}")
    staging = output.parent / "lambda"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    _pip_install(lock, staging)
    _trim_botocore_data(staging)
    _copy_sources(staging)
    _write_zip(staging, output)
    return output


def main() -> int:
    try:
        artifact = build_artifact()
    except PackagingError as exc:
        print(f"package_lambda: {exc}", file=sys.stderr)
        return 1
    size_mb = artifact.stat().st_size / 1_000_000
    print(f"{artifact.relative_to(ROOT)}: {size_mb:.1f} MB zipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
