"""`make demo` on a fresh process: exits 0 and prints the channel transcript (each chapter checks its own promises)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]


def test_demo_tells_the_whole_story() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLACK_", "PERFBOT_"))}
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    transcript = completed.stdout
    assert "#perf-alerts" in transcript
    assert "/perf help" in transcript  # the help answer lists itself
    assert "I don't know `/perf slaa`" in transcript or "I don't know /perf slaa" in transcript
    # perfbot's own log lines go to the demo's log file (as a Lambda's go to CloudWatch Logs), not into the story
    terminal = completed.stdout + completed.stderr
    assert "recommendation_dropped" not in terminal and '{"level"' not in terminal
    logged = (ROOT / "build" / "demo.log").read_text(encoding="utf-8")
    assert '"message":"recommendation_dropped"' in logged and '"message":"alarm_batch_done"' in logged
    assert "perfbot's own logs: build/demo.log" in transcript
    # the story interleaves narration and the channel as it looked at each step, buttons included
    story = transcript.split("═" * 100)[0]
    assert story.index("goes into ALARM") < story.index("[ Acknowledge ]") < story.index("Alice presses Acknowledge")
    assert "[ Approve ] [ Reject ]" in story
    assert "WEB_URL=http://127.0.0.1:" in transcript  # the web channel's address, at the end
