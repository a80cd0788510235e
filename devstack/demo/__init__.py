"""`make demo`: the whole perfbot story on the embedded default, printed as a Slack channel transcript.

Each chapter is a module with ``run(stage)``; later capabilities append theirs to ``CHAPTERS``.
"""

from __future__ import annotations

import importlib

from devstack.demo.stage import DemoStage

CHAPTERS = [
    "devstack.demo.ch01_setup",
    "devstack.demo.ch02_help",
    "devstack.demo.ch03_alarms",
    "devstack.demo.ch04_reports",
    "devstack.demo.ch05_analysis",
    "devstack.demo.ch06_changes",
    "devstack.demo.ch07_loadtest",
]


def run_demo() -> int:
    with DemoStage() as stage:
        for chapter in CHAPTERS:
            importlib.import_module(chapter).run(stage)
        stage.print_transcript()
        return stage.exit_code()
