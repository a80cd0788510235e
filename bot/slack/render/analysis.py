"""Analysis messages: a summary header ("2 recommendations for monitoring-api (rule engine)") and one card per
recommendation — kind, target, current → proposed, the numbers, impact (p95 ms, $/month), risk, confidence, source.

Rationales may come from a model, and targets from config: everything is escaped. Cards carry no buttons here;
the changes capability renders proposal cards with Approve / Reject once a recommendation is stored as a proposal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.slack.render.kit import Block, context, escape, fallback, header, section

if TYPE_CHECKING:
    from bot.analysis.models import AnalysisResult

RISK_ICON = {"low": ":large_green_circle:", "medium": ":large_yellow_circle:", "high": ":red_circle:"}
MAX_NOTES = 5
PENDING_REASON = "duplicates a pending proposal"  # bot.analysis.guardrails' wording


def source_label(source: str) -> str:
    return "rule engine" if source == "rules" else f"Bedrock ({source})"


def _waiting(result: AnalysisResult) -> int:
    return sum(1 for d in result.dropped if d.reason == PENDING_REASON)


def summary_title(result: AnalysisResult) -> str:
    n = len(result.recommendations)
    if n:
        what = f"{n} recommendation{'s' if n != 1 else ''}"
    else:
        what = "No new recommendations" if _waiting(result) else "No recommendations"
    return f"{what} for {result.service} ({source_label(result.source)})"


def summary_blocks(result: AnalysisResult) -> list[Block]:
    from bot.changes.kinds import describe_values, kind_spec  # not at import: alarm messages import this module

    blocks: list[Block] = [header(summary_title(result))]
    waiting = _waiting(result)
    if result.recommendations:
        lines = [
            f"• {kind_spec(r.kind).title} `{escape(r.target)}`: {escape(describe_values(r.kind, r.current))} → "
            f"{escape(describe_values(r.kind, r.proposed))} ({RISK_ICON.get(r.risk, '')} {r.risk})"
            for r in result.recommendations
        ]
        blocks.append(section("\n".join(lines)))
    elif waiting:
        blocks.append(
            section(f":hourglass_flowing_sand: Nothing new: {waiting} recommendation(s) already await a decision.")
        )
    else:
        focus = f" for {escape(result.kind)}" if result.kind else ""
        blocks.append(section(f":white_check_mark: Nothing to tune{focus}: the metrics justify no change right now."))
    notes = [f":information_source: {escape(note)}" for note in result.notes[:MAX_NOTES]]
    if waiting and result.recommendations:
        notes.append(f":hourglass_flowing_sand: {waiting} more already await a decision (see their cards)")
    refused = [d for d in result.dropped if d.reason != PENDING_REASON]
    if refused:
        reasons = "; ".join(sorted({escape(d.reason) for d in refused}))[:600]
        notes.append(f":shield: {len(refused)} suggestion(s) dropped by the guardrails: {reasons}")
    if notes:
        blocks.append(context(*notes))
    return blocks


def summary_text(result: AnalysisResult) -> str:
    return fallback(escape(summary_title(result)))


ANALYZE_ALARM_ACTION = "analyze_alarm"


def alarm_buttons(incident: object) -> list[Block]:
    """The Analyze button on an open alarm message (registered in render.alarms.EXTRA_ACTIONS); value = alarm name."""
    from bot.slack.render.kit import button

    key = str(getattr(incident, "key", ""))
    return [button(":mag: Analyze", ANALYZE_ALARM_ACTION, key)] if key else []
