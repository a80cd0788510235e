"""The append-only audit log: a hash chain of events — :class:`AuditLog` is the protocol, :class:`DynamoAuditLog` the
audit table, :class:`InMemoryAuditLog` the same chain in memory (both share :class:`HashChainedLog`'s logic).

Layout: events at ``pk="audit"``, ``sk=<12-digit seq>``. An append reads the last event and puts the next one with
``attribute_not_exists`` — two writers can never both take a sequence number, so the chain cannot fork; the loser
re-reads the tail and retries. Each event stores its canonical JSON ``body`` (which includes ``prev_hash``) and
``hash = sha256(body)``.

The high-water mark that reveals deleted tail events is put-only, like everything in this table: after its event,
each append puts a mark ``pk="audit#head"``, ``sk=<seq>`` holding the event's hash. perfbot's roles may only put,
get and query the audit table (serverless.yml denies UpdateItem / DeleteItem / BatchWriteItem on it), so marks only
accumulate, and the highest is the highest event ever written: a chain that ends below it lost events at its end, a
last event whose hash differs from its mark was replaced.

Marks live in the same table as the events, so whoever can put items can also rewrite an event, recompute the chain
and put new marks. The anchors cannot be rewritten that way: after its mark, each append writes the event's hash to
:class:`Anchors` — in production an S3 bucket with Object Lock in compliance mode (:class:`S3Anchors`), where no
role, not even the account's root user, can delete or alter an object version until its retention passes. ``verify``
checks every event against its anchor: an event without one was not appended by perfbot (or its anchoring failed,
which is logged as an error), an event whose hash differs from its anchor was rewritten, an anchor without its event
was deleted. docs/reliability.md says what that proves and what it does not.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

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
    """The result of ``verify_chain``: ``ok`` or the problems found, in chain order."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog(Protocol):
    """The append-only audit log, whatever holds it (the change orchestrator's port)."""

    def append(self, event: AuditEvent) -> AuditEvent:
        """Chain ``event`` after the current tail; returns it with seq, prev_hash and hash filled in."""

    def latest(self, n: int) -> list[AuditEvent]:
        """The last ``n`` events, newest first."""

    def for_change(self, change_id: str) -> list[AuditEvent]:
        """Every event of one change (and of its undo, which names it), oldest first."""

    def events(self) -> Iterator[AuditEvent]:
        """The whole chain, oldest first."""

    def export_lines(self) -> Iterator[str]:
        """JSON lines, one event each, oldest first."""

    def verify_chain(self) -> ChainReport:
        """Recompute every hash and link; report what was edited, deleted, inserted or reordered."""


ANCHOR_PREFIX = "audit/"


class Anchors(Protocol):
    """Where each event's hash is also written, out of reach of those who can write the audit table."""

    def anchor(self, seq: int, event_hash: str) -> None:
        """Record that event ``seq`` has ``event_hash``; once written, it can no longer be changed or removed."""

    def anchored(self) -> dict[int, set[str]]:
        """Every hash ever anchored, per event (more than one means someone anchored a second one)."""


def anchor_key(seq: int, event_hash: str) -> str:
    return f"{ANCHOR_PREFIX}{seq_key(seq)}/{event_hash}"


class S3Anchors:
    """Anchors as objects ``audit/<seq>/<hash>`` in an Object Lock bucket (compliance mode, default retention).

    The key holds everything verify needs, so one listing of every object *version* (delete markers hide nothing
    from it) reads them all; a second hash for an event is another key, and shows."""

    def __init__(self, bucket: str, region: str | None = None) -> None:
        from bot.aws.s3 import LockedBucket

        self._bucket = LockedBucket(bucket, region)

    def anchor(self, seq: int, event_hash: str) -> None:
        body = json.dumps({"seq": seq, "hash": event_hash}).encode()
        self._bucket.put(anchor_key(seq, event_hash), body)

    def anchored(self) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {}
        for version in self._bucket.versions(ANCHOR_PREFIX):
            seq, _, event_hash = version.key.removeprefix(ANCHOR_PREFIX).partition("/")
            if seq.isdigit() and event_hash:
                found.setdefault(int(seq), set()).add(event_hash)
        return found


class InMemoryAnchors:
    """Write-once anchors in memory: for the chain's unit tests."""

    def __init__(self) -> None:
        self._hashes: dict[int, set[str]] = {}
        self._lock = threading.Lock()

    def anchor(self, seq: int, event_hash: str) -> None:
        with self._lock:
            self._hashes.setdefault(seq, set()).add(event_hash)

    def anchored(self) -> dict[int, set[str]]:
        with self._lock:
            return {seq: set(hashes) for seq, hashes in self._hashes.items()}


class HashChainedLog(ABC):
    """The hash chain and its checks, over four storage primitives (put-if-absent, and three ordered reads), and
    optionally :class:`Anchors` that verify checks every event against."""

    anchors: Anchors | None = None

    @abstractmethod
    def _put_new(self, item: dict[str, Any]) -> bool:
        """Store ``item`` unless its key (pk, sk) is taken; False when it is (another writer won that slot)."""

    @abstractmethod
    def _chain_items(self, *, newest_first: bool = False, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Stored event items in sequence order."""

    @abstractmethod
    def _change_items(self, change_id: str) -> Iterator[dict[str, Any]]:
        """Stored event items of one change, oldest first."""

    @abstractmethod
    def _highest_mark(self) -> dict[str, Any] | None:
        """The high-water mark item with the highest sequence number."""

    def append(self, event: AuditEvent) -> AuditEvent:
        """Chain ``event`` after the current tail; returns it with seq, prev_hash and hash filled in."""
        for attempt in range(MAX_ATTEMPTS):
            tail = next(iter(self._chain_items(newest_first=True, limit=1)), None)
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
                won = self._put_new(item)
            except Exception as exc:
                raise AuditWriteError(f"audit append failed: {exc}") from exc
            if not won:  # another writer took this sequence number: chain after theirs
                time.sleep(min(0.05, 0.001 * 2 ** min(attempt, 6)) * secrets.randbelow(1000) / 1000)
                continue
            # the high-water mark: a put, never an update (the audit table is append-only for perfbot's roles);
            # only the writer that won this sequence number gets here
            self._put_new({"pk": MARKS_PK, "sk": seq_key(chained.seq), "seq": chained.seq, "hash": chained.hash})
            self._anchor(chained)
            logger.info("audit_event", extra={"action": chained.action, "change_id": chained.change_id})
            return chained
        raise AuditWriteError(f"audit append gave up after {MAX_ATTEMPTS} conflicting writers")

    def _anchor(self, event: AuditEvent) -> None:
        """The event is in the chain already; an anchor that cannot be written is reported by verify, and here."""
        if self.anchors is None:
            return
        try:
            self.anchors.anchor(event.seq, event.hash)
        except Exception as exc:
            logger.error("audit_anchor_failed", extra={"seq": event.seq, "error": str(exc)})

    def high_water_mark(self) -> dict[str, Any] | None:
        """The mark of the highest event ever appended (``seq``, ``hash``), or None before the first append."""
        return self._highest_mark()

    # -- reading -------------------------------------------------------------------------------------------

    def latest(self, n: int) -> list[AuditEvent]:
        return [_event(i) for i in self._chain_items(newest_first=True, limit=n)]

    def for_change(self, change_id: str) -> list[AuditEvent]:
        return [_event(i) for i in self._change_items(change_id)]

    def events(self) -> Iterator[AuditEvent]:
        for item in self._chain_items():
            yield _event(item)

    def export_lines(self) -> Iterator[str]:
        """JSON lines, one event each, oldest first (with seq, prev_hash and hash, so the export verifies too)."""
        for item in self._chain_items():
            yield json.dumps({**json.loads(item["body"]), "hash": item.get("hash", "")}, sort_keys=True)

    def verify_chain(self) -> ChainReport:
        """Recompute every hash and link; any edited, deleted, inserted or reordered event is reported."""
        report = ChainReport()
        expected_prev, expected_seq = GENESIS, 1
        hashes: dict[int, str] = {}
        for item in self._chain_items():
            report.checked += 1
            hashes[_seq_of(item)] = str(item.get("hash", ""))
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
        if self.anchors is not None:
            report.problems.extend(anchor_problems(hashes, self.anchors.anchored()))
        return report


class DynamoAuditLog(HashChainedLog):
    """The chain in the audit table: events at ``pk="audit"``, marks at ``pk="audit#head"``, the ``by_change`` index."""

    def __init__(self, table_name: str, region: str | None = None, *, anchors: Anchors | None = None) -> None:
        self._table = Table(table_name, region)
        self.anchors = anchors

    def _put_new(self, item: dict[str, Any]) -> bool:
        try:
            self._table.put(item, condition="attribute_not_exists(pk)")
        except ConditionFailed:
            return False
        return True

    def _chain_items(self, *, newest_first: bool = False, limit: int | None = None) -> Iterator[dict[str, Any]]:
        return self._table.query("pk = :pk", {":pk": EVENTS_PK}, newest_first=newest_first, limit=limit)

    def _change_items(self, change_id: str) -> Iterator[dict[str, Any]]:
        return self._table.query("change_id = :c", {":c": change_id}, index="by_change")

    def _highest_mark(self) -> dict[str, Any] | None:
        return next(iter(self._table.query("pk = :pk", {":pk": MARKS_PK}, newest_first=True, limit=1)), None)


class InMemoryAuditLog(HashChainedLog):
    """The same chain in a dict, thread-safe: for the change flow's unit tests and single-process use."""

    def __init__(self, *, anchors: Anchors | None = None) -> None:
        self._items: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.anchors = anchors

    def _put_new(self, item: dict[str, Any]) -> bool:
        key = (str(item["pk"]), str(item["sk"]))
        with self._lock:
            if key in self._items:
                return False
            self._items[key] = {k: v for k, v in item.items() if v is not None}
            return True

    def _under(self, pk: str, newest_first: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            return [self._items[key] for key in sorted(self._items, reverse=newest_first) if key[0] == pk]

    def _chain_items(self, *, newest_first: bool = False, limit: int | None = None) -> Iterator[dict[str, Any]]:
        return iter(self._under(EVENTS_PK, newest_first)[:limit])

    def _change_items(self, change_id: str) -> Iterator[dict[str, Any]]:
        return (item for item in self._under(EVENTS_PK) if item.get("change_id") == change_id)

    def _highest_mark(self) -> dict[str, Any] | None:
        return next(iter(self._under(MARKS_PK, newest_first=True)), None)


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


def anchor_problems(chain: dict[int, str], anchored: dict[int, set[str]]) -> list[str]:
    """Every event against its anchor: missing, different or doubled anchors, and anchored events the log lost."""
    problems = []
    for seq, event_hash in sorted(chain.items()):
        hashes = anchored.get(seq, set())
        if not hashes:
            problems.append(f"event {seq} has no anchor: it was not appended by perfbot (or its anchoring failed)")
        elif event_hash not in hashes:
            problems.append(f"event {seq} differs from its anchor: it was rewritten after it was written")
        if len(hashes) > 1:
            problems.append(f"event {seq} has {len(hashes)} different anchors: someone anchored a forged hash")
    for seq in sorted(set(anchored) - set(chain)):
        problems.append(f"event {seq} is anchored but missing from the log: it was deleted")
    return problems
