"""Chapter 2: a teammate asks perfbot what it can do."""

from __future__ import annotations

from devstack.demo.stage import DemoStage


def run(stage: DemoStage) -> None:
    stage.say("Alice types `/perf help` in #perf-alerts")
    response = stage.slash("help")
    stage.check(response.get("statusCode") == 200, f"/perf help answered HTTP {response.get('statusCode')}")
    stage.say("Bob mistypes `/perf slaa`")
    response = stage.slash("slaa", user="U0BOB")
    stage.check("I don't know" in (response.get("body") or ""), "an unknown subcommand got no usage message")
