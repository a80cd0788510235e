"""`python -m bot devstack` prints SERVICE_URL beside its other lines, and the service answers there."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[2]


def test_devstack_prints_a_service_url_that_answers() -> None:
    command = [sys.executable, "-m", "bot", "devstack", "--aws-port", "0", "--slack-port", "0", "--no-slack"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines: dict[str, str] = {}
        for line in process.stdout:
            if line.startswith("# devstack running"):
                break
            if line.startswith("#"):
                continue
            key, _, value = line.strip().removeprefix("export ").partition("=")
            lines[key] = value
        assert lines["SERVICE_URL"].startswith("http://127.0.0.1:")
        assert "AWS_ENDPOINT_URL" in lines
        with urlopen(lines["SERVICE_URL"] + "health", timeout=10) as answer:  # loopback
            assert json.loads(answer.read())["breaker"]["state"] == "CLOSED"
    finally:
        process.terminate()
        process.wait(timeout=20)
