"""The decision for each alarm notification: post a new message, thread a repeat, edit the original on recovery, mark
flapping, group into a storm digest, suppress during maintenance, or count — and do it.

Every notification ends in exactly one :class:`Outcome`. The incident write is conditional (version), so when two
notifications of one alarm race, the loser re-reads and decides again instead of posting a second message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.alarms import reasons, routing
from bot.alarms.incidents import Incident, IncidentStore, from_item
from bot.alarms.maintenance import STATE_KEY, Maintenance, MaintenanceStore, maintenance_from_item
from bot.alarms.models import AlarmNotification, Outcome
from bot.alarms.notifier import AlarmNotifier
from bot.alarms.storm import StormStore, StormWindow, pace_key, pace_write, prebook
from bot.alarms.views import DigestView, IncidentView, MaintenanceView, Note, NoteKind, incident_view
from bot.aws.dynamodb import ConditionFailed
from bot.settings import Settings

logger = logging.getLogger(__name__)

GraphSource = Callable[[AlarmNotification], bytes | None]
# incident, maintenance, the channel's storm window and pace slot ({} when absent)
StateRead = tuple[Incident | None, Maintenance, dict[str, Any], dict[str, Any]]
RACE_RETRIES = 8  # a lost race re-reads and decides again (in a storm, the channel's window and slot are contended)
UNPOSTED_GRACE_S = 30
BUSY = "the channel is backlogged: counted on the message instead of a thread note"


@dataclass
class AlarmPipeline:
    settings: Settings
    incidents: IncidentStore
    maintenance: MaintenanceStore
    storms: StormStore
    notifier: AlarmNotifier
    graph: GraphSource
    clock: Callable[[], float]

    # -- entry --------------------------------------------------------------------------------------------------
    def process(self, n: AlarmNotification, *, state: StateRead | None = None) -> Outcome:
        now = self.clock()
        channel = self.route(n)
        if n.alarm_name == self.settings.alarms.maintenance_alarm:  # decides from its own read
            return self._maintenance_alarm(n, channel, now)
        incident, maintenance, storm, pace = state or self.read_state(n)  # state: read ahead by the caller, if it did
        service = routing.service_of(n, self.settings)
        if maintenance.suppresses(service.name if service else None, now):
            self.maintenance.record(n, maintenance.started_at or now, now)
            self._show_quietly(incident, n, now)
            return Outcome(action="suppressed", alarm_name=n.alarm_name, channel=channel)
        if maintenance.expired(now):
            self._announce_end(self.maintenance.close_if_expired(now), now)
        for _ in range(RACE_RETRIES):
            try:
                return self._decide(n, channel, now, incident, storm, pace)
            except ConditionFailed:
                logger.info("incident_race_retry", extra={"alarm": n.alarm_name})
                incident, _, storm, pace = self.read_state(n)
        raise ConditionFailed(f"incident {n.alarm_name} kept changing under us")

    def read_state(self, n: AlarmNotification) -> StateRead:
        """One round trip (BatchGetItem): the incident, the maintenance state, the channel's storm window and its
        pace slot — everything the decision and the new incident's single transaction are conditional on."""
        channel = self.route(n)
        keys = [IncidentStore.key(n.key), STATE_KEY, StormStore.key(channel), pace_key(channel)]
        incident_item, maintenance_item, storm_item, pace_item = self.incidents.table.batch_get(keys)
        incident = from_item(incident_item) if incident_item else None
        return incident, maintenance_from_item(maintenance_item), storm_item or {}, pace_item or {}

    def route(self, n: AlarmNotification) -> str:
        """The ID of the channel the alarm goes to (incidents, storm windows and pacing all key on the ID).

        A routed channel Slack does not show perfbot (a typo, a private channel it was not invited to) must not
        lose the alarm: it goes to the alarm channel instead, and the log says why."""
        channel = routing.channel_for(n, self.settings)
        try:
            return self.notifier.channel_id(channel)
        except LookupError as exc:
            if channel == self.settings.slack.alarm_channel:
                raise
            logger.warning("alarm_route_channel_not_found", extra={"channel": channel, "error": str(exc)})
            return self.notifier.channel_id(self.settings.slack.alarm_channel)

    # -- views --------------------------------------------------------------------------------------------------
    def view(self, incident: Incident, n: AlarmNotification, now: float) -> IncidentView:
        return incident_view(self.settings, incident, n, now)

    # -- decisions ----------------------------------------------------------------------------------------------
    def _decide(
        self,
        n: AlarmNotification,
        channel: str,
        now: float,
        incident: Incident | None,
        storm: dict[str, Any],
        pace: dict[str, Any],
    ) -> Outcome:
        cfg = self.settings.alarms
        window_s = cfg.flapping_window_min * 60
        recent = incident is not None and (
            incident.is_open or (incident.resolved_at is not None and now - incident.resolved_at < window_s)
        )
        abandoned = incident is not None and not incident.ts and now - incident.updated_at > UNPOSTED_GRACE_S
        if abandoned:
            recent = False  # claimed but never posted (the poster died or failed): post it now
        elif incident is not None and n.change_key in incident.seen:
            # the same state change again: an SNS/Lambda redelivery, or its twin by another path (SNS, EventBridge,
            # the alarm action) — known without a write, so a twin racing the post cannot disturb it
            return Outcome(action="duplicate", alarm_name=n.alarm_name, channel=incident.channel, ts=incident.ts)
        if incident is None or not recent:
            if n.state == "OK":
                return self._count(incident, n, channel, now, "recovery of an alarm with no open incident")
            return self._open(n, channel, now, incident, storm, pace)
        if not incident.ts:
            # another state change while the incident's first message is being posted (in a storm it may wait for
            # its channel slot): record it on the incident; the poster sees the newer version when it stores the
            # message's ts and edits the message to show it
            return self._note_while_posting(incident, n, channel, now)
        return self._change(incident, n, now)

    def _note_while_posting(self, incident: Incident, n: AlarmNotification, channel: str, now: float) -> Outcome:
        stale = incident.stale_reason(n)
        if stale:
            return self._count(None, n, channel, now, stale)
        incident.last_change_at = n.changed_at.timestamp()
        incident.notification = n.model_dump_json()
        incident.record_state(n.state, n.changed_at.timestamp(), self.settings.alarms.flapping_window_min * 60)
        if n.state != incident.state:
            self._apply_state(incident, n, now)
        incident.counted += 1
        self.incidents.save(incident, now)  # ConditionFailed: re-read, decide again (the ts may be there by then)
        return Outcome(action="counted", alarm_name=n.alarm_name, channel=channel, detail="shown once it is posted")

    def _change(self, incident: Incident, n: AlarmNotification, now: float) -> Outcome:
        """A notification for an incident that has a message: repeat, recovery, re-fire, flapping, silence."""
        cfg = self.settings.alarms
        window_s = cfg.flapping_window_min * 60
        stale = incident.stale_reason(n)
        if stale:
            return self._count(None, n, incident.channel, now, stale)
        incident.last_change_at = n.changed_at.timestamp()
        incident.notification = n.model_dump_json()
        incident.updated_at = now
        previous = incident.state
        incident.record_state(n.state, n.changed_at.timestamp(), window_s)
        became_flapping = not incident.flapping and incident.changes_in_window() >= cfg.flapping_changes
        incident.flapping = incident.changes_in_window() >= cfg.flapping_changes
        if incident.grouped:
            return self._grouped_change(incident, n, previous, now)
        if n.state == "OK":
            incident.silenced_until_ok = False  # a recovery always shows; silence only quiets the firing
        elif incident.silenced(now):
            return self._silenced(incident, n, previous, now)
        if n.state == previous:
            return self._repeat(incident, n, now)
        self._apply_state(incident, n, now)
        if incident.flapping:
            return self._flapping(incident, n, now, announce=became_flapping)
        kind: NoteKind = "resolved" if n.state == "OK" else "reopened" if n.state == "ALARM" else "no_data"
        note = Note(kind=kind, alarm_name=n.alarm_name, reason=reasons.explain(n), minutes=incident.minutes_open(now))
        incident.last_note_at = incident.last_edit_at = now
        self.incidents.save(incident, now)
        self.notifier.update_incident(incident.channel, incident.ts, self.view(incident, n, now))
        noted = self.notifier.post_note(incident.channel, incident.ts, note, optional=True)
        action = "resolved" if n.state == "OK" else "threaded" if noted else "counted"
        return Outcome(
            action=action,
            alarm_name=n.alarm_name,
            channel=incident.channel,
            ts=incident.ts,
            detail="" if noted else BUSY,
        )

    def _silenced(self, incident: Incident, n: AlarmNotification, previous: str, now: float) -> Outcome:
        """Silenced: no thread notes; a state change still edits the message (edits do not notify anyone)."""
        if n.state != previous:
            self._apply_state(incident, n, now)
        elif n.state == "ALARM":
            incident.count += 1
        outcome = self._count(incident, n, incident.channel, now, "silenced", save=True)
        if n.state != previous:
            self.notifier.update_incident(incident.channel, incident.ts, self.view(incident, n, now))
        return outcome

    def _apply_state(self, incident: Incident, n: AlarmNotification, now: float) -> None:
        incident.state = n.state
        incident.severity = routing.severity_of(n, self.settings)
        if n.state == "OK":
            incident.resolved_at = n.changed_at.timestamp()  # CloudWatch's time: "resolved after 12 min" is exact
        else:
            incident.resolved_at = None
            if n.state == "ALARM":
                incident.count += 1

    def _open(
        self,
        n: AlarmNotification,
        channel: str,
        now: float,
        old: Incident | None,
        storm: dict[str, Any],
        pace: dict[str, Any],
    ) -> Outcome:
        """A new incident: one transaction claims it, counts it into the channel's storm window and reserves its post
        slot, each conditional on the state read — a racing twin or another container's post fails it as a whole
        (nothing written), and the caller re-reads and decides again. Then the post, then one write of its ts."""
        cfg = self.settings.alarms
        incident = Incident(
            alarm_name=n.alarm_name,
            channel=channel,
            state=n.state,
            severity=routing.severity_of(n, self.settings),
            opened_at=n.changed_at.timestamp(),  # "since" = when CloudWatch changed the state
            updated_at=now,
            last_change_at=n.changed_at.timestamp(),
            count=1 if n.state == "ALARM" else 0,
            notification=n.model_dump_json(),
            version=old.version if old else 0,
            history=list(old.history) if old else [],
            seen=[n.change_key],
        )
        incident.record_state(n.state, n.changed_at.timestamp(), cfg.flapping_window_min * 60)
        window, window_write = self.storms.next_window(channel, n.alarm_name, now, storm)
        writes = [self.incidents.write(incident, now), window_write]
        grouped = window.grouped(cfg.storm_threshold)
        slot = None
        if not grouped:
            slot, slot_write = pace_write(channel, now, pace, cfg.post_interval_s)
            writes.append(slot_write)
        self.incidents.table.put_all(writes)  # ConditionFailed: re-read, decide again
        incident.version += 1
        if grouped:
            return self._group(incident, n, window, now)
        prebook(channel, slot)
        try:
            incident.ts = self.notifier.post_incident(channel, self.view(incident, n, now))
        except Exception:
            incident.updated_at = 0.0  # mark the claim stale, so Lambda's retry posts instead of waiting for it
            self._save_quietly(incident, now)
            raise
        finally:
            prebook(channel, None)
        incident.last_edit_at = now
        incident = self._store_ts(incident, now)
        self._attach_graph(incident, n)
        return Outcome(action="posted", alarm_name=n.alarm_name, channel=channel, ts=incident.ts)

    def _store_ts(self, incident: Incident, now: float) -> Incident:
        """Record the posted message's ts. Changes that arrived meanwhile were written onto the claimed incident:
        merge the ts into that newer version and edit the message to show its state."""
        for _ in range(RACE_RETRIES):
            try:
                return self.incidents.save(incident, now)
            except ConditionFailed:
                current = self.incidents.get(incident.alarm_name)
                if current is None or (current.ts and current.ts != incident.ts):
                    logger.warning("incident_changed_while_posting", extra={"alarm": incident.alarm_name})
                    return incident
                current.ts, current.last_edit_at = incident.ts, now
                try:
                    self.incidents.save(current, now)
                except ConditionFailed:
                    continue
                self.notifier.update_incident(current.channel, current.ts, self.view(current, current.latest(), now))
                return current
        logger.warning("incident_ts_not_stored", extra={"alarm": incident.alarm_name})
        return incident

    def _group(self, incident: Incident, n: AlarmNotification, storm: StormWindow, now: float) -> Outcome:
        cfg = self.settings.alarms
        digest = DigestView(
            channel=storm.channel,
            started_at=storm.started_at,
            window_s=cfg.storm_window_s,
            count=storm.count,
            alarms=storm.alarms,
        )
        if storm.digest_ts:
            self.notifier.update_digest(storm.channel, storm.digest_ts, digest)
            ts = storm.digest_ts
        else:
            ts = self.notifier.post_digest(storm.channel, digest)
            self.storms.set_digest(storm, ts)
        incident.grouped, incident.ts = True, ts
        self.incidents.save(incident, now)
        note = Note(kind="grouped", alarm_name=n.alarm_name, reason=reasons.explain(n))
        self.notifier.post_note(storm.channel, ts, note, optional=True)  # the digest lists it either way
        return Outcome(action="grouped", alarm_name=n.alarm_name, channel=storm.channel, ts=ts)

    def _grouped_change(self, incident: Incident, n: AlarmNotification, previous: str, now: float) -> Outcome:
        """A grouped incident's changes stay in the digest thread: recovery is noted, everything else counted."""
        if n.state == "OK" and previous != "OK" and not incident.flapping:
            self._apply_state(incident, n, now)
            self.incidents.save(incident, now)
            note = Note(
                kind="resolved", alarm_name=n.alarm_name, reason=reasons.explain(n), minutes=incident.minutes_open(now)
            )
            if self.notifier.post_note(incident.channel, incident.ts, note, optional=True):
                return Outcome(action="resolved", alarm_name=n.alarm_name, channel=incident.channel, ts=incident.ts)
            return Outcome(action="counted", alarm_name=n.alarm_name, channel=incident.channel, detail=BUSY)
        if n.state != previous:
            self._apply_state(incident, n, now)
        return self._count(incident, n, incident.channel, now, "grouped incident", save=True)

    def _repeat(self, incident: Incident, n: AlarmNotification, now: float) -> Outcome:
        """Same state again: a thread note (at most one per repeat_note_interval_s), otherwise counted."""
        if n.state == "ALARM":
            incident.count += 1
        if incident.flapping or now - incident.last_note_at < self.settings.alarms.repeat_note_interval_s:
            return self._count(incident, n, incident.channel, now, "repeat within the note interval", save=True)
        if n.state != "ALARM":
            return self._count(incident, n, incident.channel, now, "same state again", save=True)
        incident.last_note_at = incident.last_edit_at = now
        self.incidents.save(incident, now)
        note = Note(kind="repeat", alarm_name=n.alarm_name, reason=reasons.explain(n), count=incident.count)
        if not self.notifier.post_note(incident.channel, incident.ts, note, optional=True):
            return Outcome(action="counted", alarm_name=n.alarm_name, channel=incident.channel, detail=BUSY)
        self.notifier.update_incident(incident.channel, incident.ts, self.view(incident, n, now))
        return Outcome(action="threaded", alarm_name=n.alarm_name, channel=incident.channel, ts=incident.ts)

    def _flapping(self, incident: Incident, n: AlarmNotification, now: float, *, announce: bool) -> Outcome:
        """Edit the original instead of posting each change. Every change is edited in (CloudWatch notifies on
        transitions only, at most one per evaluation period): a skipped edit left the message showing an older state
        — "resolved after 12 min" while the alarm was firing for the third time."""
        incident.last_edit_at = now
        self.incidents.save(incident, now)
        self.notifier.update_incident(incident.channel, incident.ts, self.view(incident, n, now))
        if announce:
            note = Note(kind="flapping", alarm_name=n.alarm_name, count=incident.changes_in_window())
            self.notifier.post_note(incident.channel, incident.ts, note, optional=True)
        return Outcome(action="flapping", alarm_name=n.alarm_name, channel=incident.channel, ts=incident.ts)

    def _count(
        self, incident: Incident | None, n: AlarmNotification, channel: str, now: float, why: str, *, save: bool = False
    ) -> Outcome:
        if incident is not None and save:
            incident.counted += 1
            self.incidents.save(incident, now)
        return Outcome(action="counted", alarm_name=n.alarm_name, channel=channel, detail=why)

    # -- maintenance --------------------------------------------------------------------------------------------
    def _maintenance_alarm(self, n: AlarmNotification, channel: str, now: float) -> Outcome:
        if n.state == "ALARM":
            was_active = self.maintenance.get().everywhere(now)
            state = self.maintenance.start(now, alarm=True)
            if was_active:
                return Outcome(action="counted", alarm_name=n.alarm_name, channel=channel, detail="already on")
            view = MaintenanceView(now=now, active=True, until=state.manual_until, by=state.manual_by, alarm_on=True)
            ts = self.notifier.post_maintenance(channel, view)
            return Outcome(action="posted", alarm_name=n.alarm_name, channel=channel, ts=ts, detail="maintenance on")
        summary = self.maintenance.stop(now, alarm=True, ended_by=f"{n.alarm_name} returned to {n.state}")
        if summary is None:
            return Outcome(action="counted", alarm_name=n.alarm_name, channel=channel, detail="maintenance continues")
        ts = self._announce_end(summary, now, channel)
        return Outcome(action="posted", alarm_name=n.alarm_name, channel=channel, ts=ts, detail="maintenance summary")

    def _announce_end(self, summary: object, now: float, channel: str | None = None) -> str:
        from bot.alarms.maintenance import MaintenanceSummary

        if not isinstance(summary, MaintenanceSummary):
            return ""
        view = MaintenanceView(now=now, active=False, summary=summary)
        return self.notifier.post_maintenance(
            channel or self.notifier.channel_id(self.settings.slack.alarm_channel), view
        )

    def _show_quietly(self, incident: Incident | None, n: AlarmNotification, now: float) -> None:
        """During maintenance, a posted incident's message still shows its true state (an OK turns it green and
        drops its buttons): an edit notifies nobody, and nothing new is posted."""
        if incident is None or not incident.ts or incident.grouped or n.state == incident.state:
            return
        if incident.stale_reason(n):
            return
        incident.last_change_at = n.changed_at.timestamp()
        incident.notification = n.model_dump_json()
        incident.updated_at = incident.last_edit_at = now
        incident.record_state(n.state, n.changed_at.timestamp(), self.settings.alarms.flapping_window_min * 60)
        self._apply_state(incident, n, now)
        if n.state == "OK":
            incident.silenced_until_ok = False
        try:
            self.incidents.save(incident, now)
        except ConditionFailed:  # someone changed it meanwhile: the next notification shows the state
            logger.info("incident_changed_during_maintenance", extra={"alarm": n.alarm_name})
            return
        self.notifier.update_incident(incident.channel, incident.ts, self.view(incident, n, now))

    # -- helpers ------------------------------------------------------------------------------------------------
    def _save_quietly(self, incident: Incident, now: float) -> None:
        """Record the message ts after posting; a concurrent change wins and keeps its own ts."""
        try:
            self.incidents.save(incident, now)
        except ConditionFailed:
            logger.warning("incident_changed_while_posting", extra={"alarm": incident.alarm_name})

    def _attach_graph(self, incident: Incident, n: AlarmNotification) -> None:
        try:
            png = self.graph(n)
            if png:
                self.notifier.upload_graph(incident.channel, incident.ts, png, n.alarm_name)
        except Exception:  # a missing graph must never cost the notification itself
            logger.exception("alarm_graph_failed", extra={"alarm": n.alarm_name})
