"""Reports perfbot answers questions with: SLA, metrics, breaker, cost, the daily digest and regressions.

Capability code, Slack-free: each module builds a pydantic model from CloudWatch, DynamoDB and the breaker state;
``bot.slack.render.reports`` turns it into Block Kit and ``bot.reports.text`` into terminal text.
"""

from __future__ import annotations

from bot.reports.common import WINDOWS, ReportInputError

__all__ = ["WINDOWS", "ReportInputError"]
