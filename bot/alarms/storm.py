"""Storm control: pace posts per channel (≈1 message/s, on top of slack_sdk's 429 retry handler) and group many distinct
alarms firing in one channel within ``storm_window_s`` into one digest message with a thread.

The window lives in the state table (``storm#<channel>``) so every Lambda container sees the same storm.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.aws.dynamodb import Conditional, ConditionFailed, Table

Clock = Callable[[], float]
Sleep = Callable[[float], None]

ACCOUNTED = {"posted", "threaded", "resolved", "flapping", "grouped", "suppressed", "counted", "duplicate"}
DIGEST_LIST_LIMIT = 40  # alarm names kept on the digest item (the thread has every one of them)


_booked = threading.local()


def pace_key(channel: str) -> dict[str, str]:
    return {"pk": f"pace#{channel}", "sk": "slot"}


def prebook(channel: str, slot: float | None) -> None:
    """The next non-optional post to ``channel`` from this thread uses ``slot``, already reserved in the state table
    (by the incident's transaction), instead of reserving one itself; None forgets it."""
    booked = getattr(_booked, "slots", None)
    if booked is None:
        booked = _booked.slots = {}
    if slot is None:
        booked.pop(channel, None)
    else:
        booked[channel] = slot


def _take_prebooked(channel: str) -> float | None:
    booked = getattr(_booked, "slots", None)
    return booked.pop(channel, None) if booked else None


def pace_write(
    channel: str, now: float, current: dict[str, Any] | None, interval_s: float
) -> tuple[float, Conditional]:
    """The channel's next post slot from the pace item as read (``{}``/None: none yet), as a conditional put that
    fails if anyone took a slot since the read."""
    read = float(current["next_at"]) if current and "next_at" in current else None
    slot = max(now, read if read is not None else now)
    item = pace_key(channel) | {"next_at": slot + interval_s, "expires_at": int(now + 3600)}
    if read is None:
        return slot, Conditional(item, "attribute_not_exists(pk)")
    return slot, Conditional(item, "next_at = :n", values={":n": read})


class ChannelPacer:
    """At most one post per ``interval_s`` per channel; callers wait (Slack answers 429 beyond ≈1/s per channel).

    An *optional* post (a thread note, a graph) is skipped instead when the channel is already booked more than
    ``max_backlog_s`` ahead: in a storm the message and its counter carry the news, and nobody waits minutes.
    """

    def __init__(
        self,
        interval_s: float = 1.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        max_backlog_s: float = 10.0,
    ) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self.sleep = sleep
        self.max_backlog_s = max_backlog_s
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def wait(self, channel: str, *, optional: bool = False) -> bool:
        """Wait for the channel's next slot; False (nothing reserved) when an optional post should be skipped."""
        booked = None if optional else _take_prebooked(channel)
        with self._lock:
            now = self.clock()
            if booked is not None:  # reserved with the incident: no request of its own
                slot = max(now, booked)
                self._next[channel] = max(self._next.get(channel, 0.0), slot + self.interval_s)
                if slot > now:
                    self.waited_s += slot - now
        if booked is not None:
            if slot > now:
                self.sleep(slot - now)
            return True
        with self._lock:
            now = self.clock()
            limit = now + self.max_backlog_s if optional else None
            local = self._next.get(channel, now)
            if limit is not None and local > limit:
                return False
            shared = self._shared_slot(channel, now, limit)
            if shared is None:
                return False
            slot = max(now, local, shared)
            self._next[channel] = slot + self.interval_s
        if slot > now:
            self.waited_s += slot - now
            self.sleep(slot - now)
        return True

    def _shared_slot(self, channel: str, now: float, limit: float | None) -> float | None:
        """This process's own schedule is enough here; :class:`SharedChannelPacer` adds other processes'."""
        return now


class SharedChannelPacer(ChannelPacer):
    """Per-channel slots reserved in the state table (``pace#<channel>``), so concurrent Lambda containers posting to
    one channel still keep ≈1 message/s between them. One conditional update per post, two when the channel was idle.
    """

    def __init__(
        self,
        table: Table,
        interval_s: float = 1.0,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
        max_backlog_s: float = 10.0,
    ) -> None:
        super().__init__(interval_s, clock, sleep, max_backlog_s)
        self.table = table

    def _shared_slot(self, channel: str, now: float, limit: float | None) -> float | None:
        key = pace_key(channel)
        busy_first = self._next.get(channel, 0.0) > now  # we posted here a moment ago: the channel is likely busy
        for _ in range(1 if limit is not None else 5):  # containers may swap between the calls; they settle quickly
            for busy in (busy_first, not busy_first):
                slot = self._take_busy(key, now, limit) if busy else self._take_idle(key, now)
                if slot is not None:
                    return slot
        return None if limit is not None else now + self.interval_s  # optional: booked beyond the limit

    def _take_busy(self, key: dict[str, str], now: float, limit: float | None) -> float | None:
        """The channel has a future slot: take the next one atomically (optional posts only up to ``limit``)."""
        condition = "next_at >= :now" + (" AND next_at <= :limit" if limit is not None else "")
        values = {":step": self.interval_s, ":now": now} | ({":limit": limit} if limit is not None else {})
        try:
            item = self.table.update(key, "SET next_at = next_at + :step", condition=condition, values=values)
        except ConditionFailed:
            return None
        return float(item["next_at"]) - self.interval_s

    def _take_idle(self, key: dict[str, str], now: float) -> float | None:
        """The channel is idle: the slot is now."""
        try:
            self.table.update(
                key,
                "SET next_at = :next, expires_at = :expires",
                condition="attribute_not_exists(next_at) OR next_at < :now",
                values={":next": now + self.interval_s, ":now": now, ":expires": int(now + 3600)},
            )
        except ConditionFailed:
            return None
        return now


@dataclass
class StormWindow:
    channel: str
    started_at: float
    count: int  # new incidents in this channel within the window, this one included
    digest_ts: str = ""
    alarms: list[str] = field(default_factory=list)

    def grouped(self, threshold: int) -> bool:
        return self.count >= threshold


class StormStore:
    def __init__(self, table: Table, window_s: float, ttl_s: float = 86400) -> None:
        self.table = table
        self.window_s = window_s
        self.ttl_s = ttl_s

    @staticmethod
    def key(channel: str) -> dict[str, str]:
        return {"pk": f"storm#{channel}", "sk": "window"}

    def next_window(
        self, channel: str, alarm_name: str, now: float, current: dict[str, Any]
    ) -> tuple[StormWindow, Conditional]:
        """The channel's window with this new incident counted in, from the window item as read (``{}``: none), as a
        conditional put for the incident's transaction: it fails if the window changed since the read."""
        key = self.key(channel)
        started = float(current.get("started_at", 0)) if current else None
        if started is not None and started >= now - self.window_s:
            alarms = [*list(current.get("alarms", [])), alarm_name][-DIGEST_LIST_LIMIT:]
            item = dict(current) | {"count": int(current.get("count", 0)) + 1, "alarms": alarms}
        else:
            item = key | {"started_at": now, "count": 1, "alarms": [alarm_name], "expires_at": int(now + self.ttl_s)}
        window = StormWindow(
            channel=channel,
            started_at=float(item["started_at"]),
            count=int(item["count"]),
            digest_ts=str(item.get("digest_ts", "")),
            alarms=list(item["alarms"]),
        )
        if started is None:
            return window, Conditional(item, "attribute_not_exists(pk)")
        same = "started_at = :s AND #count = :c AND " + (
            "digest_ts = :d" if current.get("digest_ts") else "attribute_not_exists(digest_ts)"
        )
        values = {":s": started, ":c": int(current.get("count", 0))}
        if current.get("digest_ts"):
            values[":d"] = current["digest_ts"]
        return window, Conditional(item, same, names={"#count": "count"}, values=values)

    def admit(self, channel: str, alarm_name: str, now: float, current: dict[str, Any] | None = None) -> StormWindow:
        """Count a new incident into the channel's current window, opening a new window when the old one is over.

        ``current`` is the window item as just read ({} when there is none, None when not read); it picks the likely
        write, so a quiet channel costs one conditional write, not a failed update and a put.
        """
        cutoff = now - self.window_s
        likely_open = current is None or float(current.get("started_at", 0)) >= cutoff
        for join in (likely_open, not likely_open, likely_open):
            try:
                item = self._join(channel, alarm_name, cutoff) if join else self._start(channel, alarm_name, now)
                break
            except ConditionFailed:
                continue  # the window opened or closed under us: try the other write
        else:
            raise ConditionFailed(f"storm window of {channel} kept changing")
        return StormWindow(
            channel=channel,
            started_at=float(item["started_at"]),
            count=int(item["count"]),
            digest_ts=str(item.get("digest_ts", "")),
            alarms=list(item.get("alarms", []))[-DIGEST_LIST_LIMIT:],
        )

    def _join(self, channel: str, alarm_name: str, cutoff: float) -> dict[str, Any]:
        return self.table.update(
            self.key(channel),
            "ADD #count :one SET #alarms = list_append(if_not_exists(#alarms, :empty), :name)",
            condition="started_at >= :cutoff",
            names={"#count": "count", "#alarms": "alarms"},
            values={":one": 1, ":empty": [], ":name": [alarm_name], ":cutoff": cutoff},
        )

    def _start(self, channel: str, alarm_name: str, now: float) -> dict[str, Any]:
        item = {"started_at": now, "count": 1, "alarms": [alarm_name]}
        self.table.put(
            self.key(channel) | item | {"expires_at": int(now + self.ttl_s)},
            condition="attribute_not_exists(started_at) OR started_at < :cutoff",
            values={":cutoff": now - self.window_s},
        )
        return item

    def set_digest(self, window: StormWindow, ts: str) -> None:
        self.table.update(
            self.key(window.channel),
            "SET digest_ts = :ts",
            condition="started_at = :s",
            values={":ts": ts, ":s": window.started_at},
        )


class Tally(Counter[str]):
    """Every notification's outcome, so a batch (or a storm) can show that none was dropped."""

    def summary(self, received: int) -> dict[str, Any]:
        accounted = sum(v for k, v in self.items() if k in ACCOUNTED)
        return {"received": received, "accounted": accounted, "rejected": self["rejected"], **dict(self)}
