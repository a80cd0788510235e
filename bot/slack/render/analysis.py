"""Analysis messages: a summary header ("2 recommendations for monitoring-api (rule engine)") and one card per
recommendation — kind, target, current → proposed, the numbers, impact (p95 ms, $/month), risk, confidence, source.

Rationales may come from a model, and targets from config: everything is escaped. Cards carry no buttons here;
the changes capability renders proposal cards with Approve / Reject once a recommendation is stored as a proposal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    refused = [d for d in result.dropped if d.reason != PENDING_REASON]
    if not result.recommendations and not waiting and refused:  # not "nothing to tune": something was refused
        blocks.append(section(f":shield: No change to propose: {len(refused)} suggestion(s) were refused."))
    elif not result.recommendations and not waiting:
        focus = f" for {escape(result.kind)}" if result.kind else ""
        blocks.append(section(f":white_check_mark: Nothing to tune{focus}: the metrics justify no change right now."))
    if refused:  # what was dropped and why, each
        blocks.append(section(_dropped_lines(refused)))
    notes = [f":information_source: {escape(note)}" for note in result.notes[:MAX_NOTES]]
    if waiting and result.recommendations:
        notes.append(f":hourglass_flowing_sand: {waiting} more already await a decision (see their cards)")
    if notes:
        blocks.append(context(*notes))
    return blocks


MAX_DROPPED_SHOWN = 5


def _dropped_lines(refused: list[Any]) -> str:
    from bot.changes.kinds import kind_spec

    def title(kind: str) -> str:
        try:
            return kind_spec(kind).title
        except (KeyError, LookupError, ValueError):
            return kind  # a kind the model made up: its own word, escaped below

    lines = [":shield: *Dropped by the guardrails:*"]
    for d in refused[:MAX_DROPPED_SHOWN]:
        proposed = ", ".join(f"{k}={v}" for k, v in d.proposed.items())
        what = f"{title(d.kind)} `{d.target}`" + (f" → {proposed}" if proposed else "")
        lines.append(f"• {escape(what)}: {escape(d.reason)}")
    if len(refused) > MAX_DROPPED_SHOWN:
        lines.append(f"• and {len(refused) - MAX_DROPPED_SHOWN} more (in the log)")
    return "\n".join(lines)


def summary_text(result: AnalysisResult) -> str:
    return fallback(escape(summary_title(result)))


ANALYZE_ALARM_ACTION = "analyze_alarm"


def alarm_buttons(incident: object) -> list[Block]:
    """The Analyze button on an open alarm message (registered in render.alarms.EXTRA_ACTIONS); value = alarm name."""
    from bot.slack.render.kit import button

    key = str(getattr(incident, "key", ""))
    return [button(":mag: Analyze", ANALYZE_ALARM_ACTION, key)] if key else []
