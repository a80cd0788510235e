"""/perf health: perfbot's own state, read from where it lives — the alarm function's heartbeat (state table), the
failed-events queue (SQS), its functions' errors and throttles in the last hour (CloudWatch), and the versions it
runs. Each part is read on its own: one that cannot be read says why, and the others are still shown (a health view
that fails as a whole is no help when something is wrong)."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import TypeVar

from bot import __version__
from bot.aws.clients import AwsError
from bot.aws.cloudwatch import CloudWatchGateway, MetricQuery
from bot.aws.dynamodb import Table
from bot.aws.sqs import QueueDepth, SqsGateway
from bot.health.heartbeat import HandledAlarm, Heartbeat
from bot.settings import Settings

WINDOW = timedelta(hours=1)
SDK_DISTRIBUTIONS = ("boto3", "botocore", "slack-bolt", "slack-sdk", "aws-lambda-powertools")

T = TypeVar("T")


@dataclass(frozen=True)
class FunctionHealth:
    short_name: str  # slack, alarms, schedule
    function_name: str
    errors: int
    throttles: int
    invocations: int


@dataclass
class HealthReport:
    stage: str
    generated_at: datetime
    versions: dict[str, str]
    last_alarm: HandledAlarm | None = None
    failed_events: QueueDepth | None = None
    functions: list[FunctionHealth] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)  # part → why it could not be read

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.functions)

    @property
    def healthy(self) -> bool:
        """Nothing failed, nothing waits in the failed-events queue, and every part could be read."""
        throttled = any(f.throttles for f in self.functions)
        waiting = self.failed_events is not None and self.failed_events.visible > 0
        return not (self.problems or self.errors or throttled or waiting)


def versions() -> dict[str, str]:
    """perfbot's version, the Python it runs on, and the SDKs it calls AWS and Slack with."""
    found = {"perfbot": __version__, "python": platform.python_version()}
    for dist in SDK_DISTRIBUTIONS:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def _read(report: HealthReport, part: str, read: Callable[[], T]) -> T | None:
    try:
        return read()
    except AwsError as exc:
        report.problems[part] = str(exc)
        return None


def _function_queries(settings: Settings) -> list[MetricQuery]:
    return [
        MetricQuery(
            id=f"{metric.lower()}_{short}",
            namespace="AWS/Lambda",
            metric=metric,
            dimensions=(("FunctionName", name),),
            stat="Sum",
            period=int(WINDOW.total_seconds()),
        )
        for short, name in settings.own_functions.items()
        for metric in ("Errors", "Throttles", "Invocations")
    ]


def _functions(settings: Settings, now: datetime) -> list[FunctionHealth]:
    series = CloudWatchGateway(settings.region).get_metric_data(_function_queries(settings), now - WINDOW, now)

    def total(metric: str, short: str) -> int:
        return int(sum(series[f"{metric}_{short}"].values))

    return [
        FunctionHealth(short, name, total("errors", short), total("throttles", short), total("invocations", short))
        for short, name in settings.own_functions.items()
    ]


def build_health_report(settings: Settings, now: float | None = None) -> HealthReport:
    at = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    report = HealthReport(stage=settings.stage, generated_at=at, versions=versions())
    heartbeat = Heartbeat(Table(settings.tables.state, settings.region))
    report.last_alarm = _read(report, "last alarm", heartbeat.last_alarm)
    if settings.queues.failed_events:
        queue = settings.queues.failed_events
        report.failed_events = _read(report, "failed-events queue", lambda: SqsGateway(settings.region).depth(queue))
    else:
        report.problems["failed-events queue"] = "not configured (PERFBOT_FAILED_EVENTS_QUEUE)"
    report.functions = _read(report, "errors", lambda: _functions(settings, at)) or []
    return report
