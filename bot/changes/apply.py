"""The change orchestrator, shaped like Powertools' idempotency handler: a short state machine over a store.

approve (conditional: proposed → approved, before the deadline) → drift check (live == "before", else failed and
nothing applied) → applying (conditional) → handler.apply + wait + read back → applied | failed. Only one click can
win the first transition, so double clicks, concurrent approvers and Slack retries apply the change exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.analysis.models import Values
from bot.audit import AuditEvent, AuditLog
from bot.aws.clients import AwsError
from bot.changes.authorize import Click, Directory, Refusal, authorize
from bot.changes.kinds import ChangeHandler, handler_for
from bot.changes.models import Proposal, now_iso
from bot.changes.proposals import Conflict, ProposalStore, UnknownProposal
from bot.settings import Settings

logger = logging.getLogger(__name__)

Status = Literal["applied", "failed", "drift", "refused", "already", "rejected"]
Progress = Callable[[Proposal], None]


@dataclass
class Outcome:
    status: Status
    proposal: Proposal | None
    refusal: Refusal | None = None


def same_values(expected: Values, live: Values) -> bool:
    """Every field of ``expected`` that AWS reports has the same value (numbers compared as numbers)."""
    return all(_same(value, live[key]) for key, value in expected.items() if key in live)


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return float(str(a)) == float(str(b))
    except ValueError:
        return str(a) == str(b)


class ChangeOrchestrator:
    def __init__(
        self,
        settings: Settings,
        store: ProposalStore,
        audit: AuditLog,
        *,
        handlers: Callable[[str], ChangeHandler] = handler_for,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.audit = audit
        self._handlers = handlers
        self._progress = progress or (lambda _p: None)

    # -- approve ----------------------------------------------------------------------------------------------

    def approve(self, proposal_id: str, click: Click, directory: Directory) -> Outcome:
        try:
            proposal: Proposal | None = self.store.get(proposal_id)
        except UnknownProposal:
            proposal = None
        refusal = authorize(proposal, click, self.settings, directory)  # even on a decided card: record who tried
        if refusal is not None:
            self.refuse(proposal_id, proposal, click, refusal)
            return Outcome("refused", proposal, refusal)
        assert proposal is not None
        if proposal.state != "proposed":
            return Outcome("already", proposal)
        try:
            approved = self.store.transition(
                proposal.id,
                "proposed",
                "approved",
                {"approved_by": click.user, "approved_at": now_iso()},
                before_deadline=True,
            )
        except Conflict as lost:
            if lost.current.expired:
                expired = authorize(lost.current, click, self.settings, directory)
                self.refuse(proposal_id, lost.current, click, expired)  # type: ignore[arg-type]
                return Outcome("refused", lost.current, expired)
            return Outcome("already", lost.current)  # another click won; it applies, this one reports
        self.record("approved", approved, click, detail=f"risk {approved.risk}")
        return self.apply(approved, click)

    def approve_automatically(self, proposal: Proposal, actor: str) -> Outcome:
        """Approve without a human (low-risk auto-apply, auto-revert); still conditional and audited."""
        click = Click(user=actor, channel_id=proposal.channel)
        try:
            approved = self.store.transition(
                proposal.id, "proposed", "approved", {"approved_by": actor, "approved_at": now_iso()}
            )
        except Conflict as lost:
            return Outcome("already", lost.current)
        self.record("approved", approved, click, detail="approved automatically by configuration")
        return self.apply(approved, click)

    def refuse(self, proposal_id: str, proposal: Proposal | None, click: Click, refusal: Refusal) -> None:
        self.audit.append(
            AuditEvent(
                action="refused",
                actor=click.user,
                change_id=proposal_id[:64],
                kind=proposal.kind if proposal else "",
                resource=proposal.target if proposal else "",
                source=proposal.source if proposal else "",
                channel=click.channel_id,
                slack_request_ids=click.slack_ids,
                detail=f"{refusal.reason}: {refusal.message}",
            )
        )

    # -- apply ------------------------------------------------------------------------------------------------

    def apply(self, proposal: Proposal, click: Click) -> Outcome:
        """Run an approved proposal through drift check, handler and read-back; never leaves it in ``applying``."""
        handler = self._handlers(proposal.kind)
        try:
            live = handler.read_current(proposal.target)
        except Exception as exc:
            return self.fail(proposal, "approved", click, f"could not read the live value: {exc}", {})
        if not same_values(proposal.before, live):
            failed = self.store.transition(
                proposal.id,
                "approved",
                "failed",
                {"error": "drift", "live": live, "finished_at": now_iso()},
            )
            self.record("drift", failed, click, after=live, detail="live value differs from the proposal's before")
            self._progress(failed)
            return Outcome("drift", failed)
        try:
            handler.validate(proposal.target, proposal.after)
        except Exception as exc:
            return self.fail(proposal, "approved", click, f"not a valid change: {exc}", live)
        applying = self.store.transition(proposal.id, "approved", "applying")
        self._progress(applying)
        request_ids: list[str] = []
        try:
            request_ids = handler.apply(proposal.target, proposal.after)
            handler.wait_until_done(proposal.target)
            back = handler.read_back(proposal.target)
        except Exception as exc:
            if not isinstance(exc, AwsError):
                logger.exception("change_apply_crashed", extra={"proposal": proposal.id})
            if isinstance(exc, AwsError) and exc.request_id:
                request_ids.append(exc.request_id)
            return self.fail(applying, "applying", click, str(exc), self.read_safely(handler, proposal), request_ids)
        if not same_values(proposal.after, back):
            return self.fail(applying, "applying", click, "AWS reports a different value after the change", back)
        return self._succeed(applying, click, back, request_ids)

    def _succeed(self, applying: Proposal, click: Click, back: Values, request_ids: list[str]) -> Outcome:
        applied_at = datetime.now(UTC)
        due = applied_at + timedelta(minutes=self.settings.changes.verify_after_min)
        applied = self.store.transition(
            applying.id,
            "applying",
            "applied",
            {
                "applied_at": applied_at.isoformat(timespec="seconds"),
                "finished_at": applied_at.isoformat(timespec="seconds"),
                "read_back": back,
                "aws_request_ids": request_ids,
                "verify_due_at": due.isoformat(timespec="seconds"),
            },
        )
        self.record("applied", applied, click, after=back, aws_request_ids=request_ids)
        if applied.undo_of:
            self._roll_back_original(applied, click)
        self._progress(applied)
        return Outcome("applied", applied)

    def _roll_back_original(self, undo: Proposal, click: Click) -> None:
        try:
            original = self.store.transition(undo.undo_of, "applied", "rolled_back", {"undone_by": undo.id})
        except (Conflict, UnknownProposal) as exc:
            logger.warning("undo_original_not_applied", extra={"undo": undo.id, "error": str(exc)})
            return
        self.record("rolled_back", original, click, detail=f"undone by {undo.id}")
        self._progress(original)

    def fail(
        self,
        proposal: Proposal,
        state: Literal["approved", "applying"],
        click: Click,
        error: str,
        live: Values,
        request_ids: list[str] | None = None,
    ) -> Outcome:
        failed = self.store.transition(
            proposal.id,
            state,
            "failed",
            {"error": error[:1000], "live": live, "aws_request_ids": request_ids or [], "finished_at": now_iso()},
        )
        self.record("failed", failed, click, after=live, detail=error[:1000], aws_request_ids=request_ids or [])
        self._progress(failed)
        return Outcome("failed", failed)

    @staticmethod
    def read_safely(handler: ChangeHandler, proposal: Proposal) -> Values:
        """The resource as it is after a failure, so the card reports it exactly; {} if even that fails."""
        try:
            return handler.read_current(proposal.target)
        except Exception:
            logger.warning("read_after_failure_failed", extra={"proposal": proposal.id})
            return {}

    def record(self, action: Any, p: Proposal, click: Click, *, after: Values | None = None, **extra: Any) -> None:
        self.audit.append(
            AuditEvent.about(
                p,
                action,
                click.user,
                after=dict(p.after if after is None else after),
                channel=click.channel_id,
                slack_request_ids=click.slack_ids,
                **extra,
            )
        )


def orchestrator(progress: Progress | None = None) -> ChangeOrchestrator:
    """The orchestrator on the configured state and audit tables."""
    from bot.audit import audit_log
    from bot.changes.proposals import proposal_store
    from bot.settings import get_settings

    return ChangeOrchestrator(get_settings(), proposal_store(), audit_log(), progress=progress)
