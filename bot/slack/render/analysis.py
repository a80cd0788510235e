"""Analysis messages: a summary header ("2 recommendations for monitoring-api (rule engine)") and one card per
recommendation — kind, target, current → proposed, the numbers, impact (p95 ms, $/month), risk, confidence, source.

Rationales may come from a model, and targets from config: everything is escaped. Cards carry no buttons here;
the changes capability renders proposal cards with Approve / Reject once a recommendation is stored as a proposal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.slack.render.kit import Block, context, escape, fallback, header, section

if TYPE_CHECKING:
    from bot.analysis.models import AnalysisResult, Values

KIND_TITLE = {
    "lambda_memory": "Lambda memory",
    "lambda_provisioned_concurrency": "Provisioned concurrency",
    "apigw_cache": "API Gateway cache",
    "apigw_throttling": "API Gateway throttling",
    "dynamodb_capacity": "DynamoDB capacity",
    "breaker_thresholds": "Circuit breaker thresholds",
}
RISK_ICON = {"low": ":large_green_circle:", "medium": ":large_yellow_circle:", "high": ":red_circle:"}
MAX_NOTES = 5
PENDING_REASON = "duplicates a pending proposal"  # bot.analysis.guardrails' wording


def _number(value: object) -> str:
    try:
        return f"{float(str(value)):g}"
    except ValueError:
        return str(value)


def _cache(v: Values) -> str:
    return f"on, {v.get('cluster_size_gb')} GB, TTL {v.get('ttl_s')} s" if v.get("enabled") else "off"


DESCRIBE: dict[str, Callable[[Values], str]] = {
    "lambda_memory": lambda v: f"{v.get('memory_mb')} MB",
    "lambda_provisioned_concurrency": lambda v: f"{v.get('units')} units",
    "apigw_cache": _cache,
    "apigw_throttling": lambda v: f"{_number(v.get('rate_limit'))} rps, burst {v.get('burst_limit')}",
    "dynamodb_capacity": lambda v: f"{v.get('read_units')} RCU / {v.get('write_units')} WCU",
    "breaker_thresholds": lambda v: (
        f"{v.get('failure_threshold')} failures, {_number(v.get('open_timeout_s'))} s open, "
        f"{v.get('half_open_success_threshold')} trial successes"
    ),
}


def describe_values(kind: str, values: Values) -> str:
    """A value set in words, e.g. ``1024 MB`` or ``on, 0.5 GB, TTL 300 s``."""
    describe = DESCRIBE.get(kind)
    return describe(values) if describe else ", ".join(f"{k} {v}" for k, v in sorted(values.items()))


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
    blocks: list[Block] = [header(summary_title(result))]
    waiting = _waiting(result)
    if result.recommendations:
        lines = [
            f"• {KIND_TITLE.get(r.kind, r.kind)} `{escape(r.target)}`: {escape(describe_values(r.kind, r.current))} → "
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


def analysis_failed_text(service: str) -> str:
    return f":warning: The analysis of {escape(service)} failed. The error is in perfbot's logs; nothing was changed."


def cards_elsewhere_text(channel: str) -> str:
    """Under a /perf analyze answered where perfbot is not a member: where its cards went instead."""
    where = f"<#{channel}>" if channel[:1] in "CG" and channel.isupper() else escape(channel)
    return f"Approve / Reject cards were posted in {where}: perfbot cannot post cards in this conversation."
