"""Reports → Slack: :class:`SlackReportNotifier` posts the daily digest and the regressions, rendered by
``bot.slack.render.reports``; the ``digest`` and ``regressions`` tasks run with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.schedule import TaskResult, task

if TYPE_CHECKING:
    from bot.reports.models import RegressionScan, SlaReport


class SlackReportNotifier:
    def __init__(self, client: Any) -> None:
        self.client = client

    def post_digest(self, channel: str, report: SlaReport) -> None:
        from bot.slack.render import reports as render

        blocks = render.sla_blocks(report, title=f"Daily SLA digest — last {report.window}")
        self.client.chat_postMessage(channel=channel, text="Daily " + render.sla_text(report), blocks=blocks)

    def post_regressions(self, channel: str, scan: RegressionScan) -> None:
        from bot.slack.render import reports as render

        self.client.chat_postMessage(
            channel=channel, text=render.regression_text(scan), blocks=render.regression_blocks(scan)
        )


def report_notifier() -> SlackReportNotifier:
    from bot.slack.app import slack_client

    return SlackReportNotifier(slack_client())


@task("digest")
def digest(event: dict[str, Any]) -> TaskResult:
    from bot.reports import tasks

    return tasks.digest(event, report_notifier())


@task("regressions")
def regressions(event: dict[str, Any]) -> TaskResult:
    from bot.reports import tasks

    return tasks.regressions(event, report_notifier())
