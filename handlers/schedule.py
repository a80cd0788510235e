"""Lambda entry point for EventBridge schedules: ``{"task": "digest" | "analyze" | "escalate" | "verify" | …}``.

The task name comes from the rule's input (serverless.yml). A Scheduled Event without input is rejected clearly.
"""

from __future__ import annotations

import logging
from typing import Any

from bot import observability
from bot.schedule import UnknownTask, run_task

logger = logging.getLogger(__name__)


@observability.lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = event.get("task") or (event.get("detail") or {}).get("task")
    if not isinstance(name, str):
        logger.error("schedule_event_without_task", extra={"event_keys": sorted(event)})
        return {"ok": False, "error": "event has no 'task'"}
    try:
        with observability.traced("schedule_task", task=name):
            result = run_task(name, event)
    except UnknownTask as exc:
        logger.error("unknown_task", extra={"task": name})
        return {"ok": False, "error": str(exc)}
    logger.info("task_done", extra={"task": name, "result": result})
    return {"ok": True, "task": name, **result}
