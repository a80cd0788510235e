"""The append-only audit log: a hash chain of events in the audit table.

Layout: events at ``pk="audit"``, ``sk=<12-digit seq>``. An append reads the last event and puts the next one with
``attribute_not_exists`` — two writers can never both take a sequence number, so the chain cannot fork; the loser
re-reads the tail and retries. Each event stores its canonical JSON ``body`` (which includes ``prev_hash``) and
``hash = sha256(body)``.

The high-water mark that reveals deleted tail events is put-only, like everything in this table: after its event,
each append puts a mark ``pk="audit#head"``, ``sk=<seq>`` holding the event's hash. perfbot's roles may only put,
get and query the audit table (serverless.yml denies UpdateItem / DeleteItem / BatchWriteItem on it), so marks only
accumulate, and the highest is the highest event ever written: a chain that ends below it lost events at its end, a
last event whose hash differs from its mark was replaced.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.audit.models import GENESIS, AuditEvent
from bot.aws.dynamodb import ConditionFailed, Table

logger = logging.getLogger(__name__)

EVENTS_PK = "audit"
MARKS_PK = "audit#head"  # one put-only high-water mark per event
MAX_ATTEMPTS = 200  # under heavy contention every writer eventually wins a slot


class AuditWriteError(Exception):
    """The event could not be appended (contention never cleared, or AWS failed)."""


def seq_key(seq: int) -> str:
    return f"{seq:012d}"


@dataclass
class ChainReport:
    """The result of :meth:`AuditLog.verify_chain`: ``ok`` or the problems found, in chain order."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog:
    def __init__(self, table_name: str, region: str | None = None) -> None:
        self._table = Table(table_name, region)

    def append(self, event: AuditEvent) -> AuditEvent:
        """Chain ``event`` after the current tail; returns it with seq, prev_hash and hash filled in."""
        for attempt in range(MAX_ATTEMPTS):
            tail = next(iter(self._table.query("pk = :pk", {":pk": EVENTS_PK}, newest_first=True, limit=1)), None)
            seq, prev = (_seq_of(tail), str(tail.get("hash", ""))) if tail else (0, GENESIS)
            chained = event.model_copy(update={"seq": seq + 1, "prev_hash": prev})
            chained = chained.model_copy(update={"hash": chained.compute_hash()})
            item = {
                "pk": EVENTS_PK,
                "sk": seq_key(chained.seq),
                "body": chained.body(),
                "hash": chained.hash,
                "action": chained.action,
                "at": chained.at,
                "change_id": chained.change_id or None,  # sparse: only change events are in the by_change index
            }
            try:
                self._table.put(item, condition="attribute_not_exists(pk)")
            except ConditionFailed:  # another writer took this sequence number: chain after theirs
                time.sleep(min(0.05, 0.001 * 2 ** min(attempt, 6)) * secrets.randbelow(1000) / 1000)
                continue
            except Exception as exc:
                raise AuditWriteError(f"audit append failed: {exc}") from exc
            self._mark(chained)
            logger.info("audit_event", extra={"action": chained.action, "change_id": chained.change_id})
            return chained
        raise AuditWriteError(f"audit append gave up after {MAX_ATTEMPTS} conflicting writers")

    def _mark(self, event: AuditEvent) -> None:
        """Put the event's high-water mark (never an update: the audit table is append-only for perfbot's roles)."""
        item = {"pk": MARKS_PK, "sk": seq_key(event.seq), "seq": event.seq, "hash": event.hash}
        with contextlib.suppress(ConditionFailed):  # only the writer that won this sequence number gets here
            self._table.put(item, condition="attribute_not_exists(pk)")

    def high_water_mark(self) -> dict[str, Any] | None:
        """The mark of the highest event ever appended (``seq``, ``hash``), or None before the first append."""
        return next(iter(self._table.query("pk = :pk", {":pk": MARKS_PK}, newest_first=True, limit=1)), None)

    # -- reading -------------------------------------------------------------------------------------------

    def latest(self, n: int) -> list[AuditEvent]:
        """The last ``n`` events, newest first."""
        items = self._table.query("pk = :pk", {":pk": EVENTS_PK}, newest_first=True, limit=n)
        return [self._event(i) for i in items]

    def for_change(self, change_id: str) -> list[AuditEvent]:
        """Every event of one change (and of its undo, which names it), oldest first."""
        items = self._table.query("change_id = :c", {":c": change_id}, index="by_change")
        return [self._event(i) for i in items]

    def events(self) -> Iterator[AuditEvent]:
        """The whole chain, oldest first."""
        for item in self._table.query("pk = :pk", {":pk": EVENTS_PK}):
            yield self._event(item)

    def export_lines(self) -> Iterator[str]:
        """JSON lines, one event each, oldest first (with seq, prev_hash and hash, so the export verifies too)."""
        for item in self._table.query("pk = :pk", {":pk": EVENTS_PK}):
            yield json.dumps({**json.loads(item["body"]), "hash": item.get("hash", "")}, sort_keys=True)

    def verify_chain(self) -> ChainReport:
        """Recompute every hash and link; any edited, deleted, inserted or reordered event is reported."""
        report = ChainReport()
        expected_prev, expected_seq = GENESIS, 1
        for item in self._table.query("pk = :pk", {":pk": EVENTS_PK}):
            report.checked += 1
            report.problems.extend(_check_item(item, expected_seq, expected_prev))
            expected_seq = _seq_of(item) + 1
            expected_prev = str(item.get("hash", ""))
        head = self.high_water_mark()
        last_seq = expected_seq - 1
        if head is None and report.checked:
            report.problems.append("the high-water mark is missing")
        elif head is not None and int(head["seq"]) > last_seq:
            report.problems.append(
                f"event {head['seq']} was written, but the log ends at event {last_seq}: events at the end were deleted"
            )
        elif head is not None and int(head["seq"]) == last_seq and head["hash"] != expected_prev:
            report.problems.append(f"event {last_seq} was replaced after it was written")
        return report

    @staticmethod
    def _event(item: dict[str, Any]) -> AuditEvent:
        return AuditEvent.model_validate({**json.loads(item["body"]), "hash": item.get("hash", "")})


def _seq_of(item: dict[str, Any]) -> int:
    try:
        return int(item["sk"])
    except (KeyError, ValueError):
        return -1


def _check_item(item: dict[str, Any], expected_seq: int, expected_prev: str) -> list[str]:
    seq = _seq_of(item)
    problems = []
    if seq != expected_seq:
        problems.append(f"event {expected_seq}" + (f"–{seq - 1}" if seq > expected_seq + 1 else "") + " is missing")
    try:
        event = AuditEvent.model_validate_json(item["body"])
    except (KeyError, ValueError):
        return [*problems, f"event {seq} is unreadable (its body was edited)"]
    if event.compute_hash() != item.get("hash"):
        problems.append(f"event {seq} was edited: its hash no longer matches its content")
    if event.seq != seq:
        problems.append(f"event {seq} claims to be event {event.seq}")
    if event.prev_hash != expected_prev and seq == expected_seq:
        problems.append(f"event {seq} does not link to the event before it")
    for name in ("action", "change_id"):
        stored = item.get(name) or ""
        if stored != (getattr(event, name) or ""):
            problems.append(f"event {seq} was edited: its {name} attribute differs from the hashed body")
    return problems
