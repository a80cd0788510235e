"""Scheduled tasks by name. EventBridge passes ``{"task": "<name>"}``; the modules in ``TASK_MODULES`` register with
``@task``.

Tasks: ``digest`` (daily SLA digest), ``regressions``, ``analyze`` (hourly analysis), ``escalate`` (unacknowledged
alarms), ``verify`` (post-change verification), ``expire``. A capability's task function takes its notifier; the
capability's delivery module (``bot.slack.delivery.<capability>``) registers it with the Slack one, so the
capabilities themselves import nothing of Slack.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

TaskResult = dict[str, Any]
Task = Callable[[dict[str, Any]], TaskResult]

TASK_MODULES: list[str] = [
    "bot.slack.delivery.changes",
    "bot.slack.delivery.alarms",
    "bot.slack.delivery.reports",
    "bot.slack.delivery.analysis",
]

_TASKS: dict[str, Task] = {}


class UnknownTask(ValueError):
    pass


def task(name: str) -> Callable[[Task], Task]:
    def register(fn: Task) -> Task:
        _TASKS[name] = fn
        return fn

    return register


def load_tasks() -> dict[str, Task]:
    for module_name in TASK_MODULES:
        importlib.import_module(module_name)
    return dict(_TASKS)


def run_task(name: str, event: dict[str, Any]) -> TaskResult:
    tasks = load_tasks()
    if name not in tasks:
        raise UnknownTask(f"unknown task {name!r}; known: {', '.join(sorted(tasks)) or 'none'}")
    return tasks[name](event)
