"""The App Home tab: open incidents (state, who acknowledged), proposals awaiting a decision, the last applied changes
with Undo, and the SLA summary per service — at most 100 blocks, as Slack allows for a Home view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.changes.kinds import describe_values
from bot.slack.render.kit import Block, button, context, divider, escape, header, iso_date, mention, section

if TYPE_CHECKING:
    from bot.alarms.incidents import Incident
    from bot.changes.models import Proposal
    from bot.reports.models import SlaReport

MAX_HOME_BLOCKS = 100
HOME_UNDO = "home_undo_change"
REFRESH = "home_refresh"
MAX_LISTED = 8  # per section; the rest is counted


@dataclass
class HomeContent:
    incidents: list[Incident] = field(default_factory=list)
    pending: list[Proposal] = field(default_factory=list)
    applied: list[Proposal] = field(default_factory=list)
    sla: SlaReport | None = None
    problems: list[str] = field(default_factory=list)  # a section that could not be read, and why
    notice: str = ""  # the outcome of the viewer's last click here
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _incident(i: Incident) -> Block:
    state = {"ALARM": ":red_circle: ALARM", "INSUFFICIENT_DATA": ":grey_question: no data"}.get(i.state, i.state)
    who = f"acknowledged by {mention(i.acked_by)}" if i.acked_by else "*not acknowledged*"
    since = datetime.fromtimestamp(i.opened_at, UTC).strftime("%Y-%m-%d %H:%M") if i.opened_at else "?"
    fired = f" · fired {i.count}×" if i.count > 1 else ""
    return section(f"{state} · *{escape(i.alarm_name)}* since {since} UTC{fired} · {who}")


def _pending(p: Proposal) -> Block:
    change = f"{escape(describe_values(p.kind, p.before))} → {escape(describe_values(p.kind, p.after))}"
    where = f" in <#{p.channel}>" if p.channel else ""
    due = datetime.fromtimestamp(p.approve_by, UTC).strftime("%Y-%m-%d %H:%M")
    return section(f"`{p.id}` *{escape(p.target)}*: {change} · risk {p.risk}{where} · decide before {due} UTC")


def _applied(p: Proposal) -> list[Block]:
    change = f"{escape(describe_values(p.kind, p.before))} → {escape(describe_values(p.kind, p.read_back or p.after))}"
    text = f"`{p.id}` *{escape(p.target)}*: {change} · by {mention(p.approved_by)} at {iso_date(p.applied_at)}"
    if p.verification:
        text += f"\n_{escape(p.verification)}_"
    return [section(text, accessory=button("Undo", HOME_UNDO, p.id))]


def _listed(title: str, items: list[Any], render: Any, empty: str) -> list[Block]:
    blocks: list[Block] = [header(title)]
    if not items:
        return [*blocks, context(empty)]
    for item in items[:MAX_LISTED]:
        rendered = render(item)
        blocks += rendered if isinstance(rendered, list) else [rendered]
    if len(items) > MAX_LISTED:
        blocks.append(context(f"and {len(items) - MAX_LISTED} more"))
    return blocks


def _sla(report: SlaReport | None) -> list[Block]:
    from bot.reports.text import budget_text
    from bot.slack.render.reports import badge

    blocks: list[Block] = [header(f"SLA — last {report.window}" if report else "SLA")]
    if report is None or not report.services:
        return [*blocks, context("No services configured.")]
    for s in report.services[:MAX_LISTED]:
        missing = f"\n:warning: Missing: {escape('; '.join(s.missing))}" if s.missing else ""
        blocks.append(
            section(f"*{escape(s.service)}* — {badge(s.mark)} · error budget {escape(budget_text(s.budget))}{missing}")
        )
    return blocks


def home_view(content: HomeContent) -> dict[str, Any]:
    """The ``home`` view for views.publish."""
    blocks: list[Block] = [
        section(":bar_chart: *perfbot* — what is open right now", accessory=button("Refresh", REFRESH, "home")),
        context(f"As of {content.at:%Y-%m-%d %H:%M} UTC · `/perf help` for every command"),
    ]
    if content.notice:
        blocks.append(section(content.notice))
    blocks += [divider(), *_listed("Open incidents", content.incidents, _incident, "No open incidents.")]
    blocks += [divider(), *_listed("Awaiting a decision", content.pending, _pending, "No proposals to decide on.")]
    blocks += [divider(), *_listed("Recently applied", content.applied, _applied, "No applied changes to undo.")]
    blocks += [divider(), *_sla(content.sla)]
    for problem in content.problems:
        blocks.append(context(f":warning: {escape(problem)}"))
    if len(blocks) > MAX_HOME_BLOCKS:
        blocks = [*blocks[: MAX_HOME_BLOCKS - 1], context("_More than fits here: ask `/perf` in a channel._")]
    return {"type": "home", "callback_id": "perfbot_home", "blocks": blocks}
