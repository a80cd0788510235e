"""The change orchestrator: every move of a proposal, one short state machine over three ports.

Shaped like Powertools' idempotency handler: each step is claimed by a conditional write (only one click, retry or
schedule run can win it); whoever loses reads what is stored and reports that instead.

    propose ─▶ proposed ─approve─▶ approved ─▶ applying ─▶ applied ─verify─▶ applied (verified)
                  │                   └─drift─▶ failed        └─▶ failed          │
                  ├─reject─▶ rejected                                    undo / revert: a new proposal
                  └─expire─▶ expired      (applying too long: expire ─▶ failed)   └─ applied ─▶ original rolled_back

Ports: :class:`~bot.changes.store.ProposalStore`, :class:`~bot.audit.AuditLog` and
:class:`~bot.changes.notifier.ChangeNotifier`. Each kind's apply side comes from the kinds registry, verification
measures through CloudWatch; both are injectable, so the whole flow runs in memory in the unit tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.analysis.models import Recommendation, Values
from bot.audit import Action, AuditEvent, AuditLog, audit_log
from bot.aws.clients import AwsError
from bot.changes.authorize import REASON_REQUIRED, UNKNOWN, Click, Directory, Refusal, authorize, authorize_decider
from bot.changes.kinds import ChangeHandler, handler_for, same_values
from bot.changes.models import (
    AUTO_APPLY_ACTOR,
    AUTO_REVERT_ACTOR,
    SYSTEM_ACTOR,
    Proposal,
    State,
    from_recommendation,
    now_iso,
)
from bot.changes.notifier import ChangeNotifier
from bot.changes.store import Conflict, ProposalError, ProposalStore, UnknownProposal, proposal_store
from bot.changes.undo import inverse_proposal
from bot.changes.verify import Verification, measure
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

Status = Literal["applied", "failed", "drift", "refused", "already", "rejected", "pending"]
STUCK_APPROVED_AFTER = timedelta(minutes=2)  # an approval takes a drift check; longer means a crash or a refused write
INTERRUPTED_AFTER = timedelta(minutes=30)  # longer than any handler waits (cache clusters take the longest)
MAX_UNDO_ATTEMPTS = 20  # undos of one change that may end rejected, expired or failed before perfbot stops trying


@dataclass
class Outcome:
    """What a decision came to. ``already``: someone else's click or run decided first (``proposal`` says what is
    stored); ``pending``: a high-risk undo waits for an approver other than the one who asked for it."""

    status: Status
    proposal: Proposal | None
    refusal: Refusal | None = None


class AlreadyProposed(ProposalError):
    """The change a recommendation asks for is open already: ``proposal_id`` (``proposal`` once it is stored)."""

    def __init__(self, proposal_id: str, proposal: Proposal | None) -> None:
        super().__init__(f"the same change is open already as {proposal_id}")
        self.proposal_id = proposal_id
        self.proposal = proposal


@dataclass
class Expiry:
    expired: list[str] = field(default_factory=list)
    interrupted: list[str] = field(default_factory=list)
    reconciled: list[str] = field(default_factory=list)  # applied in AWS, now recorded so
    released: list[str] = field(default_factory=list)  # stuck in approved, back to proposed


class ChangeOrchestrator:
    def __init__(
        self,
        settings: Settings,
        store: ProposalStore,
        audit: AuditLog,
        notifier: ChangeNotifier,
        *,
        handlers: Callable[[str], ChangeHandler] = handler_for,
        measure_change: Callable[[Proposal], Verification] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.audit = audit
        self.notifier = notifier
        self._handlers = handlers
        self._measure = measure_change or (lambda p: measure(p, self.settings))

    # -- propose ------------------------------------------------------------------------------------------------

    def propose(self, rec: Recommendation, requester: str, channel: str, *, thread_ts: str | None = None) -> Proposal:
        """Store ``rec`` as a pending proposal, audit it and post its card; a low-risk one applies at once when
        ``changes.auto_apply_low_risk`` is on (never medium or high risk, never an undo). :class:`AlreadyProposed`
        when the same change (kind, resource, value) is open already: one card per change, however many analyses
        run at once."""
        candidate = from_recommendation(rec, requester, channel, self.settings.changes.proposal_ttl_h)
        holder = self.store.claim(candidate)
        if holder is not None:
            logger.info("proposal_already_open", extra={"proposal": holder, "fingerprint": candidate.fingerprint})
            raise AlreadyProposed(holder, self._find(holder))
        p = self.store.create(candidate)
        self._record("proposed", p, Click(requester, channel), detail=f"risk {p.risk}; {p.rationale[:300]}")
        logger.info("proposal_created", extra={"proposal": p.id, "kind": p.kind, "target": p.target})
        p = self._post(p, thread_ts)
        if self.settings.changes.auto_apply_low_risk and p.risk == "low" and p.state == "proposed" and not p.is_undo:
            return self._approve_as(p, AUTO_APPLY_ACTOR).proposal or p
        return p

    def _post(self, p: Proposal, thread_ts: str | None) -> Proposal:
        """Post the card and remember where it is (channel ID and ts), whatever state a fast click moved it to."""
        where = self.notifier.post(p, thread_ts=thread_ts)
        fields = {"channel": where.channel, "message_ts": where.ts}
        state: State = "proposed"
        for _ in range(3):
            try:
                return self.store.update_fields(p.id, state, fields)
            except Conflict as moved:
                logger.warning("card_posted_after_decision", extra={"proposal": p.id, "state": moved.current.state})
                state = moved.current.state
        return self.store.get(p.id).model_copy(update=fields)

    # -- decide -------------------------------------------------------------------------------------------------

    def approve(self, proposal_id: str, click: Click, directory: Directory, *, reason: str = "") -> Outcome:
        """``reason``: why the approver approves (a high-risk Approve asks for it); kept in the audit event."""
        return self._approve(proposal_id, self._find(proposal_id), click, directory, reason)

    def _approve(
        self, proposal_id: str, proposal: Proposal | None, click: Click, directory: Directory, reason: str = ""
    ) -> Outcome:
        refusal = authorize(proposal, click, self.settings, directory)  # even on a decided card: record who tried
        if refusal is not None or proposal is None:
            return self._refuse(proposal_id, proposal, click, refusal or UNKNOWN)
        if proposal.state != "proposed":
            if proposal.card_stale:  # a click on a card whose last update failed: draw it from the store
                self._refresh(proposal)
            return Outcome("already", proposal)
        if len(proposal.approvals) + 1 < proposal.approvers_needed:
            waiting = self._first_approval(proposal, click, directory)
            if waiting is not None:
                return waiting
        fields = {"approved_by": click.user, "approved_at": now_iso()}
        try:
            approved = self.store.transition(proposal.id, "proposed", "approved", fields, before_deadline=True)
        except Conflict as lost:
            late = authorize(lost.current, click, self.settings, directory) if lost.current.expired else None
            if late is not None:
                return self._refuse(proposal_id, lost.current, click, late)
            return Outcome("already", lost.current)  # another click won; it applies, this one reports
        detail = f"risk {approved.risk}" + (f"; reason: {reason}" if reason else "")
        self._record_approval(approved, click, detail)
        return self._apply(approved, click)

    def approve_without_reason(self, proposal_id: str, click: Click, directory: Directory) -> Outcome:
        """A plain Approve click (no modal, so no reason): approves what is not high-risk. A high-risk card's Approve
        opens the reason modal; a plain click on one (a card drawn before it was rated high, or a hand-made request)
        is refused and the card redrawn with the modal's button."""
        proposal = self._find(proposal_id)
        if proposal is not None and proposal.risk == "high" and proposal.state == "proposed":
            refusal = authorize(proposal, click, self.settings, directory) or REASON_REQUIRED
            self._refresh(proposal)
            return self._refuse(proposal_id, proposal, click, refusal)
        return self._approve(proposal_id, proposal, click, directory)  # the proposal just read: no second read

    def _record_approval(self, approved: Proposal, click: Click, detail: str) -> None:
        """Audit the approval; if the audit log refuses, give the claim back (``approved`` → ``proposed``) so a later
        click can try again, and raise."""
        try:
            self._record("approved", approved, click, detail=detail)
        except Exception:
            logger.exception("approval_not_audited", extra={"proposal": approved.id})
            try:
                released = self.store.transition(
                    approved.id, "approved", "proposed", {"approved_by": "", "approved_at": ""}
                )
                self._refresh(released)
            except (Conflict, AwsError):
                logger.warning("approval_not_released", extra={"proposal": approved.id})  # expire releases it
            raise

    def _first_approval(self, proposal: Proposal, click: Click, directory: Directory) -> Outcome | None:
        """Record the first of two approvals (``pending``); None when another approver recorded theirs meanwhile, so
        this click is the second. Conditional like every move: of two first clicks at once, one is first."""
        try:
            first = self.store.update_fields(
                proposal.id, "proposed", {"approvals": [click.user]}, unless=lambda current: bool(current.approvals)
            )
        except Conflict as lost:
            late = authorize(lost.current, click, self.settings, directory)
            if late is not None:
                return self._refuse(proposal.id, lost.current, click, late)  # the same approver clicked twice
            if lost.current.state != "proposed":
                return Outcome("already", lost.current)
            return None
        self._record("first_approval", first, click, detail=f"risk {first.risk}; a second approver is needed")
        self.notifier.refresh(first)
        return Outcome("pending", first)

    def _approve_as(self, proposal: Proposal, actor: str) -> Outcome:
        """Approve without a human (configured auto-apply, auto-revert); still conditional and audited. Never a
        change that needs people: a high-risk one waits for its approvers."""
        if proposal.risk == "high" or proposal.approvers_needed > 1:
            return Outcome("pending", proposal)
        click = Click(user=actor, channel_id=proposal.channel)
        fields = {"approved_by": actor, "approved_at": now_iso()}
        try:
            approved = self.store.transition(proposal.id, "proposed", "approved", fields)
        except Conflict as lost:
            return Outcome("already", lost.current)
        self._record_approval(approved, click, "approved automatically by configuration")
        return self._apply(approved, click)

    def reject(self, proposal_id: str, click: Click, directory: Directory) -> Outcome:
        """Approvers may reject, and a requester may withdraw their own proposal; conditional like approval."""
        proposal = self._find(proposal_id)
        if proposal is None:
            return self._refuse(proposal_id, None, click, UNKNOWN)
        if proposal.state != "proposed":
            return Outcome("already", proposal)
        withdrawn = click.user == proposal.requester
        refusal = None if withdrawn else authorize_decider(proposal, click, self.settings, directory)
        if refusal is not None:
            return self._refuse(proposal_id, proposal, click, refusal)
        fields = {"approved_by": click.user, "finished_at": now_iso()}
        try:
            rejected = self.store.transition(proposal.id, "proposed", "rejected", fields)
        except Conflict as lost:
            return Outcome("already", lost.current)
        self._record("rejected", rejected, click)
        self._refresh(rejected)
        return Outcome("rejected", rejected)

    def _refuse(self, proposal_id: str, proposal: Proposal | None, click: Click, refusal: Refusal) -> Outcome:
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
        return Outcome("refused", proposal, refusal)

    # -- apply --------------------------------------------------------------------------------------------------

    def _apply(self, proposal: Proposal, click: Click) -> Outcome:
        """Drift check, handler, read-back; never leaves the proposal in ``applying``."""
        handler = self._handlers(proposal.kind)
        try:
            live = handler.read_current(proposal.target)
        except Exception as exc:
            return self._fail(proposal, "approved", click, f"could not read the live value: {exc}", {})
        if not same_values(proposal.before, live):
            fields = {"error": "drift", "live": live, "finished_at": now_iso()}
            failed = self.store.transition(proposal.id, "approved", "failed", fields)
            self._record("drift", failed, click, after=live, detail="live value differs from the proposal's before")
            self._refresh(failed)
            return Outcome("drift", failed)
        try:
            handler.validate(proposal.target, proposal.after)
        except Exception as exc:
            return self._fail(proposal, "approved", click, f"not a valid change: {exc}", live)
        applying = self.store.transition(proposal.id, "approved", "applying")
        self._refresh(applying)
        request_ids: list[str] = []
        try:
            request_ids = handler.apply(proposal.target, proposal.after)
        except Exception as exc:
            if not isinstance(exc, AwsError):
                logger.exception("change_apply_crashed", extra={"proposal": proposal.id})
            if isinstance(exc, AwsError) and exc.request_id:
                request_ids.append(exc.request_id)
            return self._fail(applying, "applying", click, str(exc), read_safely(handler, proposal), request_ids)
        return self._read_back(applying, handler, click, request_ids)

    def _read_back(self, applying: Proposal, handler: ChangeHandler, click: Click, request_ids: list[str]) -> Outcome:
        """AWS accepted the change: from here on it happened, whatever the reads say."""
        try:
            handler.wait_until_done(applying.target)
            back = handler.read_back(applying.target)
        except Exception as exc:
            logger.warning("change_read_back_failed", extra={"proposal": applying.id, "error": str(exc)})
            return self._succeed(applying, click, {}, request_ids, unread=str(exc))
        if not same_values(applying.after, back):
            return self._fail(applying, "applying", click, "AWS reports a different value after the change", back)
        return self._succeed(applying, click, back, request_ids)

    def _succeed(
        self, applying: Proposal, click: Click, back: Values, request_ids: list[str], *, unread: str = ""
    ) -> Outcome:
        """Record the change as applied. ``unread``: AWS accepted it but reading it back failed (verification
        pending). If the state table refuses the write (after botocore's retries), the card still tells the truth
        and the next ``expire`` run reconciles the record from the resource's live value."""
        applied_at = datetime.now(UTC)
        due = applied_at + timedelta(minutes=self.settings.changes.verify_after_min)
        fields = {
            "applied_at": applied_at.isoformat(timespec="seconds"),
            "finished_at": applied_at.isoformat(timespec="seconds"),
            "read_back": back,
            "read_back_error": f"read-back failed, verification pending: {unread}"[:1000] if unread else "",
            "aws_request_ids": request_ids,
            "verify_due_at": due.isoformat(timespec="seconds"),
        }
        try:
            applied = self.store.transition(applying.id, "applying", "applied", fields)
        except Conflict as lost:
            current = lost.current
            if current.state != "applied":
                raise
            if (current.applied_at, current.aws_request_ids) != (fields["applied_at"], request_ids):
                return Outcome("applied", current)  # a reconcile recorded (and audited) it first
            applied = current  # our write landed, its answer was lost and botocore's retry found it done
        except AwsError as exc:
            logger.error("change_applied_not_recorded", extra={"proposal": applying.id, "error": str(exc)})
            shown = applying.model_copy(update={**fields, "state": "applied"})
            self.notifier.refresh(shown)  # not stored: nothing to mark stale
            return Outcome("applied", shown)
        self._record("applied", applied, click, after=back, aws_request_ids=request_ids, detail=applied.read_back_error)
        if applied.undo_of:
            self._roll_back_original(applied, click)
        self._refresh(applied)
        return Outcome("applied", applied)

    def _roll_back_original(self, undo: Proposal, click: Click) -> None:
        try:
            original = self.store.transition(undo.undo_of, "applied", "rolled_back", {"undone_by": undo.id})
        except (Conflict, UnknownProposal) as exc:
            logger.warning("undo_original_not_applied", extra={"undo": undo.id, "error": str(exc)})
            return
        self._record("rolled_back", original, click, detail=f"undone by {undo.id}")
        self._refresh(original)

    def _fail(
        self,
        proposal: Proposal,
        state: Literal["approved", "applying"],
        click: Click,
        error: str,
        live: Values,
        request_ids: list[str] | None = None,
    ) -> Outcome:
        fields = {"error": error[:1000], "live": live, "aws_request_ids": request_ids or [], "finished_at": now_iso()}
        failed = self.store.transition(proposal.id, state, "failed", fields)
        self._record("failed", failed, click, after=live, detail=error[:1000], aws_request_ids=request_ids or [])
        self._refresh(failed)
        return Outcome("failed", failed)

    # -- verify -------------------------------------------------------------------------------------------------

    def verify(self, now: datetime) -> list[str]:
        """Verify every applied change whose time has come (once each); returns their ids."""
        return [p.id for p in self.store.awaiting_verification(now.isoformat(timespec="seconds")) if self._verify(p)]

    def _verify(self, due: Proposal) -> bool:
        result = self._measure(due)
        try:
            p = self.store.update_fields(
                due.id, "applied", {"verification": result.summary}, unless=lambda c: bool(c.verification)
            )
        except Conflict:
            return False  # another run verified it, or it was undone meanwhile
        self.audit.append(
            AuditEvent.about(
                p,
                "verified",
                SYSTEM_ACTOR,
                before={result.audit_key: round(result.before, 1)} if result.before is not None else {},
                after={result.audit_key: round(result.after, 1)} if result.after is not None else {},
                detail=result.summary,
            )
        )
        revert = None
        if result.regression and self.settings.changes.auto_revert_on_regression:
            revert, created = self._claim_undo(
                p, Click(AUTO_REVERT_ACTOR, p.channel), "regression found by verification"
            )
            revert = revert if created else None  # someone is undoing it already
        self.notifier.verified(p, result, revert=revert)
        self._refresh(p)
        if revert is not None:
            self._start_undo(p, revert, lambda undo: self._approve_as(undo, AUTO_REVERT_ACTOR))
        return True

    # -- expire -------------------------------------------------------------------------------------------------

    def expire(self, now: datetime | None = None) -> Expiry:
        """Pending proposals past their deadline become expired; applies interrupted by a crash (still ``applying``
        long after approval) become failed, with the resource reported as AWS shows it. Both audited."""
        now = now or datetime.now(UTC)
        report = Expiry()
        for p in self.store.pending(due_before=int(now.timestamp())):
            try:
                gone = self.store.transition(p.id, "proposed", "expired", {"finished_at": now_iso()})
            except Conflict:
                continue  # approved or rejected at the last moment
            self._record("expired", gone, Click(SYSTEM_ACTOR, gone.channel), detail="deadline passed")
            self._refresh(gone)
            report.expired.append(gone.id)
        self._reconcile(now, report)
        return report

    def _reconcile(self, now: datetime, report: Expiry) -> None:
        """Proposals left between states by a crash or a refused write: ``approved`` for longer than an approval
        takes goes back to ``proposed`` (nothing was changed yet; its deadline still counts); ``applying`` whose
        resource already has the proposed value is recorded as applied; ``applying`` long after approval, without
        it, failed — each from the resource as AWS shows it."""
        stamp = now.isoformat(timespec="seconds") + "~"  # after every "<approved_at>#<id>" of this second too
        stuck_before = (now - STUCK_APPROVED_AFTER).isoformat(timespec="seconds")
        interrupted_before = (now - INTERRUPTED_AFTER).isoformat(timespec="seconds")
        for p in self.store.applying_since(stamp):
            system = Click(SYSTEM_ACTOR, p.channel)
            try:
                if p.state == "approved" and p.approved_at < stuck_before:
                    released = self.store.transition(
                        p.id, "approved", "proposed", {"approved_by": "", "approved_at": ""}
                    )
                    self._refresh(released)
                    report.released.append(p.id)
                elif p.state == "applying":
                    live = read_safely(self._handlers(p.kind), p)
                    if live and same_values(p.after, live):
                        self._reconciled(p, system, live)
                        report.reconciled.append(p.id)
                    elif p.approved_at < interrupted_before:
                        self._fail(p, "applying", system, "interrupted while applying", live)
                        report.interrupted.append(p.id)
            except Conflict:
                continue

    def _reconciled(self, p: Proposal, click: Click, live: Values) -> None:
        applied_at = datetime.now(UTC)
        due = applied_at + timedelta(minutes=self.settings.changes.verify_after_min)
        fields = {
            "applied_at": applied_at.isoformat(timespec="seconds"),
            "finished_at": applied_at.isoformat(timespec="seconds"),
            "read_back": live,
            "verify_due_at": due.isoformat(timespec="seconds"),
        }
        applied = self.store.transition(p.id, "applying", "applied", fields)
        self._record("applied", applied, click, after=live, detail="reconciled: the resource has the proposed value")
        if applied.undo_of:
            self._roll_back_original(applied, click)
        self._refresh(applied)

    # -- undo and revert ----------------------------------------------------------------------------------------

    def undo(self, original_id: str, click: Click, directory: Directory) -> Outcome:
        """Undo (and Revert after a regression): the inverse proposal, its card in the original's thread, approved by
        the clicker — unless it is high risk, then another approver approves it there. One undo per change, whatever
        the clicks: a second one is told what became of the first."""
        original = self._find(original_id)
        if original is None:
            return self._refuse(original_id, None, click, UNKNOWN)
        if original.state != "applied":
            return Outcome("already", self._find(original.undone_by) or original)
        refusal = authorize_decider(original, click, self.settings, directory)
        if refusal is not None:
            return self._refuse(original_id, original, click, refusal)
        undo, created = self._claim_undo(original, click)
        if not created:
            return Outcome("already", undo)
        return self._start_undo(original, undo, lambda p: self.approve(p.id, click, directory))

    def _claim_undo(self, original: Proposal, click: Click, why: str = "") -> tuple[Proposal, bool]:
        """(the undo of ``original``, True) when this call created it; (the undo under way, False) when another did."""
        for attempt in range(MAX_UNDO_ATTEMPTS):
            candidate = inverse_proposal(original, click.user, self.settings.changes.proposal_ttl_h, attempt)
            try:
                undo = self.store.create(candidate)
            except Conflict as taken:
                if taken.current.abandoned:
                    continue  # that undo was rejected, expired or failed: the next attempt has its own id
                return taken.current, False
            self.audit.append(
                AuditEvent.about(
                    undo,
                    "undo_requested",
                    click.user,
                    change_id=original.id,  # recorded on the change being undone
                    channel=click.channel_id,
                    slack_request_ids=click.slack_ids,
                    detail="; ".join(filter(None, [why, f"undo proposal {undo.id}"])),
                )
            )
            self._record("proposed", undo, click, detail=f"undo of {original.id}; risk {undo.risk}")
            return undo, True
        raise ProposalError(f"{original.id}: {MAX_UNDO_ATTEMPTS} undos ended without a change; not creating another")

    def _start_undo(self, original: Proposal, undo: Proposal, approve: Callable[[Proposal], Outcome]) -> Outcome:
        undo = self._post(undo, original.message_ts or None)
        if undo.risk == "high":  # two-person rule: whoever asked for this undo cannot approve it too
            return Outcome("pending", undo)
        return approve(undo)

    # -- helpers ------------------------------------------------------------------------------------------------

    def _refresh(self, p: Proposal) -> None:
        """Redraw the card; when Slack would not take it (after its retries), remember the card is stale so the next
        click on it redraws it from the store; once redrawn, it is no longer stale."""
        drawn = self.notifier.refresh(p) is not False
        if drawn == (not p.card_stale):
            return
        try:
            self.store.update_fields(p.id, p.state, {"card_stale": not drawn})
        except (Conflict, AwsError):
            logger.warning("card_stale_not_recorded", extra={"proposal": p.id})  # a later move redraws it anyway

    def _find(self, proposal_id: str) -> Proposal | None:
        try:
            return self.store.get(proposal_id) if proposal_id else None
        except UnknownProposal:
            return None

    def _record(self, action: Action, p: Proposal, click: Click, *, after: Values | None = None, **extra: Any) -> None:
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


def read_safely(handler: ChangeHandler, proposal: Proposal) -> Values:
    """The resource as it is after a failure, so the card reports it exactly; {} if even that fails."""
    try:
        return handler.read_current(proposal.target)
    except Exception:
        logger.warning("read_after_failure_failed", extra={"proposal": proposal.id})
        return {}


def orchestrator(notifier: ChangeNotifier) -> ChangeOrchestrator:
    """The orchestrator on the configured state and audit tables."""
    return ChangeOrchestrator(get_settings(), proposal_store(), audit_log(), notifier)
