"""The devstack's verbs as a person uses them in a terminal: a busy port is one line, `simulate --help` lists the
scenarios, a CLI verb piped into `head` ends quietly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLACK_", "PERFBOT_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_busy_port_is_one_line_not_a_traceback() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run("devstack", "--aws-port", str(port), "--slack-port", "0")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("perfbot devstack:") and "--aws-port" in line


def test_simulate_help_lists_the_scenarios() -> None:
    done = run("simulate", "--help")
    assert done.returncode == 0
    assert "default" in done.stdout and "healthy" in done.stdout and "DynamoDB slows down" in done.stdout


def test_a_closed_pipe_ends_the_cli_quietly() -> None:
    """`python -m bot <verb> | head -1`: a verb with much output (stood in for by a long print) meets a closed pipe."""
    long_verb = (
        "import bot.cli, runpy; bot.cli.main = lambda argv=None: [print('x' * 100) for _ in range(100000)] and 0; "
        "runpy.run_module('bot', run_name='__main__')"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", long_verb], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()  # what head does after its line
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 0
    assert "BrokenPipeError" not in err and "Traceback" not in err
