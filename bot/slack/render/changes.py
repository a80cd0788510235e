"""Change cards: the proposal with Approve/Reject, then "applying… by @user", the result with Undo, the failure or
drift text; the verification reply; refusals; the audit listing. Buttons carry only the proposal id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.changes.kinds import describe_values, kind_spec
from bot.reports.text import cold_start_text
from bot.slack.render.kit import (
    Block,
    actions,
    button,
    confirm,
    context,
    escape,
    fallback,
    fields_section,
    fit,
    header,
    iso_date,
    mention,
    section,
    truncate,
)

if TYPE_CHECKING:
    from bot.audit.models import AuditEvent
    from bot.changes.models import Proposal
    from bot.changes.verify import Verification

APPROVE, REJECT, UNDO, REVERT = "approve_proposal", "reject_proposal", "undo_change", "revert_change"
APPROVE_WITH_REASON = "approve_with_reason"
RISK_ICON = {"low": ":large_green_circle:", "medium": ":large_yellow_circle:", "high": ":red_circle:"}


def _title(kind: str) -> str:
    return kind_spec(kind).title


def title(p: Proposal) -> str:
    verb = "Undo" if p.undo_of else "Proposed change"
    return f"{verb}: {_title(p.kind)} — {p.target}"


def _impact(p: Proposal) -> str:
    """The numbers, then the kind's words; when the words already state the numbers, the words alone (never
    "p95 -260 ms · +14.60 $/month · API p95 about -260 ms, +$14.60/month")."""
    parts, said = [], []
    if p.impact.p95_ms_delta is not None:
        parts.append(f"p95 {p.impact.p95_ms_delta:+.0f} ms")
        said.append(f"{p.impact.p95_ms_delta:+.0f} ms")
    if p.impact.monthly_cost_delta_usd is not None:
        parts.append(f"{p.impact.monthly_cost_delta_usd:+,.2f} $/month")
        said.append(f"{abs(p.impact.monthly_cost_delta_usd):,.2f}")
    summary = p.impact.summary
    if summary and any(number in summary for number in said):
        return escape(summary)
    if summary:
        parts.append(escape(summary))
    return " · ".join(parts) or "not estimated"


def _body(p: Proposal) -> list[Block]:
    blocks = [
        header(title(p)),
        fields_section(
            [
                f"*Now*\n{escape(describe_values(p.kind, p.before))}",
                f"*Proposed*\n{escape(describe_values(p.kind, p.after))}",
                f"*Expected impact*\n{_impact(p)}",
                f"*Risk*\n{RISK_ICON.get(p.risk, '')} {p.risk} · confidence {p.confidence:.0%}",
            ]
        ),
    ]
    if p.rationale:
        blocks.append(section(escape(p.rationale)))  # model or rule text: data, never markup
    if p.cold_starts is not None:  # measured by code, never by the model
        blocks.append(
            context(f":snowflake: Cold starts ({p.cold_starts.window}): {escape(cold_start_text(p.cold_starts))}")
        )
    blocks.append(context(f"`{p.id}` · service {escape(p.service)} · source {escape(p.source)}"))
    return blocks


def _pending(p: Proposal) -> list[Block]:
    # A high-risk Approve opens a modal asking for the reason (recorded in the audit log with the approval).
    approve = APPROVE_WITH_REASON if p.risk == "high" else APPROVE
    blocks = [
        actions(
            button("Approve", approve, p.id, style="primary"),
            button("Reject", REJECT, p.id),
            block_id=f"proposal:{p.id}",
        ),
        context(
            f"Requested by {mention(p.requester)} · approve before <!date^{p.approve_by}^{{date_short_pretty}} "
            f"{{time}}|{datetime.fromtimestamp(p.approve_by, UTC):%Y-%m-%d %H:%M} UTC>"
        ),
    ]
    if p.approvers_needed > 1:
        why = "perfbot proposed this high-risk change itself"
        needed = (
            f"Approved by {mention(p.approvals[0])}; a second approver is needed" if p.approvals else "Two approvers"
        )
        blocks.append(
            context(
                f":busts_in_silhouette: {needed} ({why})"
                if p.approvals
                else f":busts_in_silhouette: {needed} needed: {why}"
            )
        )
    return blocks


def _applied(p: Proposal) -> list[Block]:
    before, shown = describe_values(p.kind, p.before), describe_values(p.kind, p.read_back or p.after)
    checked = (
        "(read back from AWS)" if p.read_back else "(AWS accepted it; reading it back failed — verification pending)"
    )
    text = (
        f":white_check_mark: *Applied* by {mention(p.approved_by)} at {iso_date(p.applied_at)}: "
        f"{escape(before)} → {escape(shown)} {checked}"
    )
    if p.verification:
        text += f"\n{escape(p.verification)}"
    return [section(text), actions(button("Undo", UNDO, p.id), block_id=f"applied:{p.id}")]


def _status(p: Proposal) -> list[Block]:
    before = describe_values(p.kind, p.before)
    if p.state == "proposed":
        return _pending(p)
    if p.state == "applied":
        return _applied(p)
    if p.state in ("approved", "applying"):
        return [section(f":hourglass_flowing_sand: Applying… approved by {mention(p.approved_by)}")]
    if p.state == "rolled_back":
        return [
            section(
                f":leftwards_arrow_with_hook: Applied by {mention(p.approved_by)}, then *undone* (`{p.undone_by}`): "
                f"back to {escape(before)}."
            )
        ]
    simple = {
        "rejected": f":no_entry_sign: Rejected by {mention(p.approved_by)}. Nothing was changed.",
        "expired": ":hourglass: Expired without a decision. Nothing was changed.",
    }
    return [section(simple.get(p.state) or failure_text(p))]


def failure_text(p: Proposal) -> str:
    if p.error == "drift":
        live, before = describe_values(p.kind, p.live), describe_values(p.kind, p.before)
        return (
            f":warning: *Not applied — the live value changed* since this was proposed: it is now "
            f"{escape(live)}, the proposal assumed {escape(before)}. "
            "Nothing was changed; run the analysis again."
        )
    live = describe_values(p.kind, p.live) if p.live else "could not be read"
    return (
        f":x: *Applying failed* (approved by {mention(p.approved_by)}): {escape(truncate(p.error, 600))}\n"
        f"The resource is now: {escape(live)}."
    )


def card(p: Proposal) -> tuple[str, list[Block]]:
    """(fallback text, blocks) of the proposal's card in its current state."""
    return fallback(f"{title(p)} ({p.state})"), fit(_body(p) + _status(p))


def verification_blocks(p: Proposal, v: Verification, *, revert: Proposal | None) -> tuple[str, list[Block]]:
    """The verification reply; ``revert`` is the undo perfbot started by itself after a regression (auto-revert)."""
    icon = ":chart_with_downwards_trend:" if v.regression else ":white_check_mark:"
    text = f"{icon} *Verification* of `{p.id}` ({_title(p.kind)} {escape(p.target)}): {escape(v.summary)}"
    blocks = [section(text)]
    if v.regression and revert is None and p.state == "applied":
        dialog = confirm("Revert this change?", f"Restore {escape(describe_values(p.kind, p.before))}.", ok="Revert")
        blocks.append(actions(button("Revert", REVERT, p.id, style="danger", confirm_dialog=dialog)))
    elif revert is not None and revert.risk == "high":
        blocks.append(
            context(
                f"Reverting (changes.auto_revert_on_regression): the revert `{revert.id}` is high-risk, so an approver "
                "has to approve it in this thread."
            )
        )
    elif revert is not None:
        blocks.append(context("Reverted automatically (changes.auto_revert_on_regression)."))
    return fallback(f"Verification of {p.id}: {v.summary}"), blocks


def audit_blocks(events: list[AuditEvent], heading: str) -> tuple[str, list[Block]]:
    if not events:
        return "No audit events.", [section("No audit events yet.")]
    lines = []
    for e in events:
        change = f" `{e.change_id}`" if e.change_id else ""
        values = ""
        if e.before or e.after:
            values = f" {escape(describe_values(e.kind, e.before))} → {escape(describe_values(e.kind, e.after))}"
        detail = f" — {escape(truncate(e.detail, 160))}" if e.detail and e.action in ("refused", "failed") else ""
        lines.append(
            f"`#{e.seq}` {e.at[:19].replace('T', ' ')} *{e.action}*{change} {escape(e.resource)}{values} "
            f"by {mention(e.actor)}{detail}"
        )
    blocks = [header(heading)]
    chunk: list[str] = []
    for line in lines:  # sections hold 3000 characters; split the listing over several
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    blocks.append(section("\n".join(chunk)))
    return fallback(f"{heading}: {len(events)} events"), fit(blocks)
