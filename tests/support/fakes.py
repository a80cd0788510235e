"""The change flow's edges in memory: a notifier that records what it would tell Slack, a Lambda function's memory a
handler changes, and the orchestrator on the in-memory store and audit log — no embedded AWS, no Slack emulator."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.analysis.models import Values
from bot.audit import InMemoryAuditLog
from bot.aws.clients import AwsError
from bot.changes import CardAddress, ChangeOrchestrator, InMemoryProposalStore, Proposal
from bot.changes.kinds import ChangeHandler, as_int
from bot.changes.verify import Verification
from bot.settings import Settings, load_settings
from tests.support.change_factories import FakeDirectory

FUNCTION = "monitoring-api-dev"
T = TypeVar("T")


def at_once(count: int, action: Callable[[int], T]) -> list[T]:
    """``action(0)`` … ``action(count - 1)`` on as many threads, released together; their results."""
    barrier = threading.Barrier(count)
    results: list[T] = []

    def run(i: int) -> None:
        barrier.wait()
        results.append(action(i))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


class RecordingNotifier:
    """``ChangeNotifier`` that keeps every card posted, every redraw and every verification reply."""

    def __init__(self) -> None:
        self.posted: list[tuple[Proposal, str | None]] = []
        self.refreshed: list[Proposal] = []
        self.verified_replies: list[tuple[Proposal, Verification, Proposal | None]] = []
        self._lock = threading.Lock()

    def post(self, p: Proposal, *, thread_ts: str | None = None) -> CardAddress:
        with self._lock:
            self.posted.append((p, thread_ts))
            ts = f"1700000000.{len(self.posted):06d}"
        return CardAddress(channel=FakeDirectory.CHANNELS.get(p.channel, p.channel), ts=ts)

    def refresh(self, p: Proposal) -> None:
        with self._lock:
            self.refreshed.append(p)

    def verified(self, p: Proposal, result: Verification, *, revert: Proposal | None) -> None:
        with self._lock:
            self.verified_replies.append((p, result, revert))

    def card_states(self, proposal_id: str) -> list[str]:
        """The states a card was redrawn in, in order."""
        return [p.state for p in self.refreshed if p.id == proposal_id]

    def cards(self) -> list[Proposal]:
        return [p for p, _ in self.posted]


class MemoryFunction(ChangeHandler):
    """The apply side of ``lambda_memory`` over a number in memory; ``failure`` makes applies fail (as AWS, or as a
    bug), ``unreadable`` makes reads fail."""

    def __init__(self, memory_mb: int = 1024) -> None:
        self.memory_mb = memory_mb
        self.updates: list[int] = []
        self.failure: Exception | None = None
        self.unreadable: AwsError | None = None
        self.read_back_as: int | None = None
        self._lock = threading.Lock()

    def read_current(self, target: str) -> Values:
        if self.unreadable is not None:
            raise self.unreadable
        return {"memory_mb": self.memory_mb}

    def validate(self, target: str, after: Values) -> None:
        as_int(after, "memory_mb", low=128, high=10_240)

    def apply(self, target: str, after: Values) -> list[str]:
        with self._lock:
            if self.failure is not None:
                raise self.failure
            self.updates.append(int(after["memory_mb"]))
            self.memory_mb = int(after["memory_mb"])
            return [f"req-{len(self.updates):04d}"]

    def wait_until_done(self, target: str) -> None:
        """Applied synchronously."""

    def read_back(self, target: str) -> Values:
        return {"memory_mb": self.read_back_as if self.read_back_as is not None else self.memory_mb}


def settings(
    *, approval_channels: list[str] | None = None, routes: list[str] | None = None, **changes: Any
) -> Settings:
    """The shipped perfbot.yml, with ``changes.*`` overrides, approval channels and alarm routes as given."""
    base = load_settings({})
    slack = base.slack
    if routes is not None:
        from bot.settings import ChannelRoute

        slack = slack.model_copy(update={"routes": [ChannelRoute(channel=c) for c in routes]})
    approvers = base.approvers
    if approval_channels is not None:
        approvers = approvers.model_copy(update={"channels": approval_channels})
    return base.model_copy(
        update={"slack": slack, "approvers": approvers, "changes": base.changes.model_copy(update=changes)}
    )


@dataclass
class Flow:
    """An orchestrator on in-memory ports, with handles on each of them."""

    orch: ChangeOrchestrator
    store: InMemoryProposalStore
    audit: InMemoryAuditLog
    notifier: RecordingNotifier
    function: MemoryFunction

    def actions(self, change_id: str) -> list[str]:
        return [e.action for e in self.audit.for_change(change_id)]


def flow(
    config: Settings | None = None,
    *,
    memory_mb: int = 1024,
    measure: Callable[[Proposal], Verification] | None = None,
) -> Flow:
    function = MemoryFunction(memory_mb)
    store, audit, notifier = InMemoryProposalStore(), InMemoryAuditLog(), RecordingNotifier()
    orch = ChangeOrchestrator(
        config or settings(),
        store,
        audit,
        notifier,
        handlers=lambda kind: function,
        measure_change=measure or (lambda p: Verification("Duration p95", 800, 600, False, "better")),
    )
    return Flow(orch, store, audit, notifier, function)
