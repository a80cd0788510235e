"""`make demo`: the whole perfbot story on the embedded default, printed as a Slack channel transcript.

Each chapter is a module with ``run(stage)``; later capabilities append theirs to ``CHAPTERS``.
"""

from __future__ import annotations

import contextlib
import importlib
import time

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


def run_demo(*, serve: bool = False, web_port: int = 0) -> int:
    """The story, the transcript, and the web channel's URL; ``serve`` keeps the devstack and the web channel up
    (Ctrl-C ends it) so a person can look at the channel and click on."""
    from devstack.web import WebChannel

    with DemoStage() as stage:
        for chapter in CHAPTERS:
            importlib.import_module(chapter).run(stage)
        stage.print_transcript()
        code = stage.exit_code()
        with WebChannel(stage.stack, port=web_port) as web:
            print(f"WEB_URL={web.url}", flush=True)
            if serve:
                print("# web channel running; Ctrl-C to stop", flush=True)
                with contextlib.suppress(KeyboardInterrupt):
                    while True:
                        time.sleep(3600)
        return code
