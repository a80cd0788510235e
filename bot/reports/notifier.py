"""What the scheduled reports need from a chat: :class:`ReportNotifier`. The tasks decide what to report and where.

The Slack implementation is ``bot.slack.delivery.reports.SlackReportNotifier``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.reports.models import RegressionScan, SlaReport


class ReportNotifier(Protocol):
    def post_digest(self, channel: str, report: SlaReport) -> None:
        """The daily SLA digest, in ``channel`` (a configured name or ID)."""

    def post_regressions(self, channel: str, scan: RegressionScan) -> None:
        """The regressions of one scan that belong to ``channel`` (``scan.regressions`` holds only those)."""
