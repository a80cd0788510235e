"""P6 — size of the zipped Lambda artifact that `make package` builds (goal ≤ 10 MB).

Builds it (scripts/package_lambda.py: arm64 wheels from PyPI, boto3/botocore as pinned, botocore's models trimmed to
the services perfbot calls) and weighs it.
"""

from __future__ import annotations

import sys

from bench.stats import verdict
from scripts.package_lambda import ROOT, build_artifact

GOAL_MB = 10.0


def run() -> list[str]:
    artifact = build_artifact()
    size_mb = artifact.stat().st_size / 1_000_000
    return [
        f"P6 lambda artifact: {size_mb:.1f} MB zipped (goal ≤ {GOAL_MB:.0f} MB, {verdict(size_mb, GOAL_MB)});"
        f" {artifact.relative_to(ROOT)}"
    ]


if __name__ == "__main__":
    print("\n".join(run()))
    sys.exit(0)
