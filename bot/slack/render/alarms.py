"""Alarm messages: state and severity at a glance, the reason in words, numbers, links, graph (in the thread), buttons.

Everything that came from CloudWatch (alarm names, descriptions, reasons, dimensions, rules) is escaped with
:func:`kit.escape` and cut to Slack's limits by the kit, so an alarm description cannot mention ``@channel``.
Buttons carry only the incident key (the alarm name); the state behind it is read from DynamoDB on click.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.slack.render.kit import (
    Block,
    actions,
    button,
    confirm,
    context,
    escape,
    fallback,
    fields_section,
    header,
    mention,
    section,
    slack_date,
    truncate,
)

if TYPE_CHECKING:
    from bot.alarms.incidents import Incident
    from bot.alarms.models import AlarmNotification
    from bot.alarms.views import DigestView, IncidentView, MaintenanceView, Note

ACK_ACTION = "alarm_ack"
SILENCE_HOUR_ACTION = "alarm_silence_1h"
SILENCE_OK_ACTION = "alarm_silence_until_ok"
ACTIONS_BLOCK_ID = "alarm_actions"
# Other capabilities add buttons to the alarm message by appending "module:function" here; the function takes the
# Incident and returns a list of button elements (e.g. issue 5's Analyze button, action id "analyze_alarm").
EXTRA_ACTIONS: list[str] = ["bot.slack.render.analysis:alarm_buttons"]

STATE_ICON = {"critical": ":red_circle:", "warning": ":large_orange_circle:", "info": ":white_circle:"}
STATE_ICON |= {"ok": ":large_green_circle:"}
STATE_WORD = {"ALARM": "ALARM", "OK": "RESOLVED", "INSUFFICIENT_DATA": "NO DATA"}
COMPARISON_SIGN = {
    "GreaterThanThreshold": "&gt;",  # mrkdwn: a bare > would be read as a quote
    "GreaterThanOrEqualToThreshold": "≥",
    "LessThanThreshold": "&lt;",
    "LessThanOrEqualToThreshold": "≤",
}


def _title(view: IncidentView) -> str:
    incident = view.incident
    state = "FLAPPING" if incident.flapping and incident.state != "OK" else STATE_WORD[incident.state]
    return f"{STATE_ICON[incident.severity if incident.state != 'OK' else 'ok']} {state} · {incident.alarm_name}"


def _metric_fields(n: AlarmNotification, view: IncidentView) -> list[str]:
    fields: list[str] = []
    if n.kind == "composite":
        fields.append(f"*Rule*\n`{escape(truncate(n.alarm_rule or '', 1500))}`")
        children = ", ".join(escape(c.name) for c in n.triggering_children)
        if children:
            fields.append(f"*Triggered by*\n{children}")
        return fields
    query = n.primary_query()
    if n.kind == "metric_math" and query is not None:
        fields.append(f"*Expression*\n`{escape(truncate(query.expression, 500))}`")
    metrics = n.metrics()
    metric = n.metric or next(iter(metrics), None)
    if metric is not None:
        period = f", {metric.period // 60} min" if metric.period >= 60 else ""
        stat = f" ({escape(metric.stat)}{period})" if metric.stat else ""
        names = sorted({f"{m.namespace} {m.name}" for m in metrics}) if n.kind == "metric_math" else []
        what = f"{metric.namespace} {metric.name}" if len(names) <= 1 else ", ".join(names[:5])
        count = f" ×{len(metrics)}" if n.kind == "metric_math" and len(metrics) > 1 else ""
        fields.append(f"*Metric*\n{escape(what)}{count}{stat}")
        shared = set(metric.dimensions.items()).intersection(*(m.dimensions.items() for m in metrics))
        dims = ", ".join(f"{escape(k)}={escape(v)}" for k, v in metric.dimensions.items() if (k, v) in shared)
        if dims:
            fields.append(f"*Dimensions*\n{dims}")
    if view.threshold:
        fields.append(f"*Threshold*\n{COMPARISON_SIGN.get(n.comparison or '', '')} {escape(view.threshold)}".strip())
    if view.observed:
        fields.append(f"*Observed*\n{escape(view.observed)}")
    return fields


def _status_lines(view: IncidentView) -> list[str]:
    incident, lines = view.incident, []
    if incident.state == "OK":
        lines.append(f":white_check_mark: Resolved after {incident.minutes_open(view.now)} min")
    if incident.flapping:
        lines.append(
            f":repeat: Flapping: {incident.changes_in_window()} state changes in {view.flapping_window_min:g} min — "
            "this message is kept up to date instead of posting each change"
        )
    if incident.count > 1:
        lines.append(f":bell: Fired {incident.count}× since {slack_date(incident.opened_at, '{time}')}")
    if incident.acked_by:
        lines.append(f":eyes: Acknowledged by {mention(incident.acked_by)}")
    if incident.silenced_until_ok and incident.state != "OK":
        lines.append(f":no_bell: Silenced until OK by {mention(incident.silenced_by)}")
    elif incident.silenced_until and incident.silenced_until > view.now:
        lines.append(
            f":no_bell: Silenced until {slack_date(incident.silenced_until, '{time}')} by "
            f"{mention(incident.silenced_by)}"
        )
    if incident.escalated_at:
        lines.append(f":rotating_light: Escalated {slack_date(incident.escalated_at, '{time}')} (not acknowledged)")
    return lines


def alarm_actions(incident: Incident) -> list[Block]:
    """The buttons of an open incident. Values carry only the incident key."""
    if incident.state == "OK":
        return []
    key = incident.key
    elements = []
    if not incident.acked_by:
        elements.append(button("Acknowledge", ACK_ACTION, key, style="primary"))
    if not incident.silenced(datetime.now(UTC).timestamp()):
        elements.append(button("Silence 1 h", SILENCE_HOUR_ACTION, key))
        elements.append(
            button(
                "Silence until OK",
                SILENCE_OK_ACTION,
                key,
                confirm_dialog=confirm("Silence until OK?", "No more notifications for this alarm until it recovers."),
            )
        )
    for path in EXTRA_ACTIONS:  # extension point for other capabilities' buttons (see EXTRA_ACTIONS)
        module, _, function = path.partition(":")
        elements.extend(getattr(importlib.import_module(module), function)(incident))
    return elements


def incident_message(view: IncidentView) -> tuple[str, list[Block]]:
    n, incident = view.notification, view.incident
    severity = incident.severity.capitalize() if incident.state != "OK" else "Recovered"
    blocks: list[Block] = [
        header(_title(view)),
        section(f"*{severity}* · {escape(view.reason)}"),
    ]
    fields = _metric_fields(n, view)
    fields.append(f"*Since*\n{slack_date(incident.opened_at)}")
    if view.service:
        fields.append(f"*Service*\n{escape(view.service)}")
    blocks.append(fields_section(fields))
    status = _status_lines(view)
    if status:
        blocks.append(context(*status))
    if n.description:
        blocks.append(context(f"_{escape(truncate(n.description, 1500))}_"))
    links = [f"<{escape(n.console_url())}|Open in CloudWatch>"]
    if view.runbook_url:
        links.append(f"<{escape(view.runbook_url)}|Runbook>")
    blocks.append(context(" · ".join(links)))
    buttons = alarm_actions(incident)
    if buttons:
        blocks.append(actions(*buttons, block_id=ACTIONS_BLOCK_ID))
    text = f"{STATE_WORD[incident.state]}: {incident.alarm_name} — {view.reason}"
    return fallback(escape(text)), blocks


def note_text(note: Note) -> str:
    name = f"*{escape(note.alarm_name)}*"
    reason = escape(truncate(note.reason, 1500))
    texts = {
        "repeat": f":bell: {name} fired again ({note.count}×): {reason}",
        "resolved": f":white_check_mark: {name} resolved after {note.minutes} min: {reason}",
        "reopened": f":red_circle: {name} fired again shortly after recovering: {reason}",
        "no_data": f":white_circle: {name} has no data: {reason}",
        "flapping": f":repeat: {name} is flapping ({note.count} state changes recently); updates go to the message "
        "above instead of new posts",
        "acked": f":eyes: {mention(note.user)} acknowledged {name}",
        "silenced": f":no_bell: {mention(note.user)} silenced {name} "
        + (f"until {slack_date(note.until, '{time}')}" if note.until else "until it recovers"),
        "escalated": f":rotating_light: {note.mention} {name} has been in ALARM for {note.minutes} min and nobody "
        "acknowledged it",
        "grouped": f":small_red_triangle: {name}: {reason}",
        "maintenance": f":construction: {reason}",
    }
    return truncate(texts[note.kind], 3000)


def graph_title(alarm_name: str) -> str:
    return truncate(f"{alarm_name} — metric and threshold", 250)


def digest_message(view: DigestView) -> tuple[str, list[Block]]:
    names = "\n".join(f"• {escape(a)}" for a in view.alarms[:40])
    more = view.count - len(view.alarms[:40])
    blocks = [
        header(f":cloud_with_lightning: Alarm storm · {view.count} alarms within {view.window_s:g} s"),
        section(
            "Many alarms fired at once, so perfbot groups them here instead of posting each one. "
            "Details of every alarm are in the thread."
        ),
        section(names + (f"\n…and {more} more" if more > 0 else "")),
        context(f"Storm started {slack_date(view.started_at, '{time}')}"),
    ]
    return fallback(f"Alarm storm: {view.count} alarms grouped in one message"), blocks


def _notifications(count: int) -> str:
    """``1 notification was`` / ``4 notifications were``."""
    return f"{count} notification was" if count == 1 else f"{count} notifications were"


def maintenance_message(view: MaintenanceView) -> tuple[str, list[Block]]:
    text, blocks = _maintenance_message(view)
    if view.usage:
        blocks = [*blocks, context(f"Usage: `{escape(view.usage)}`")]
    return text, blocks


def _maintenance_message(view: MaintenanceView) -> tuple[str, list[Block]]:
    if view.summary is None:
        scoped = [
            f"*{escape(name)}* until {slack_date(until, '{time}')}" for name, until in sorted(view.services.items())
        ]
        if not view.active:
            return "Maintenance mode is off.", [section(":large_green_circle: Maintenance mode is *off*.")]
        sources = []
        if view.until:
            sources.append(f"until {slack_date(view.until, '{time}')} (set by {mention(view.by)})")
        if view.alarm_on:
            sources.append("while the maintenance alarm is in ALARM")
        if not sources:  # only single services are in maintenance
            text = (
                f":construction: Maintenance mode is *on* for {', '.join(scoped)}: their alarm notifications are "
                "recorded, not posted, and summarised when maintenance ends. Other alarms are posted as usual."
            )
            return "Maintenance mode is on for some services.", [section(text)]
        text = (
            f":construction: Maintenance mode is *on* {' and '.join(sources)}: alarm notifications are recorded, "
            "not posted, and summarised when it ends."
        )
        blocks = [section(text)]
        if scoped:
            blocks.append(context(f"Also in maintenance: {', '.join(scoped)}"))
        return "Maintenance mode is on.", blocks
    summary = view.summary
    minutes = max(0, round((summary.ended_at - summary.started_at) / 60))
    lines = [
        f"• *{escape(a.alarm_name)}* — {a.count} notification{'s' if a.count != 1 else ''}, last state "
        f"{STATE_WORD.get(a.last_state, a.last_state)}"
        for a in summary.alarms[:30]
    ]
    blocks = [
        header(":construction: Maintenance ended"),
        section(
            f"Ended because {escape(summary.ended_by)}{' by ' + mention(summary.user) if summary.user else ''} "
            f"after {minutes} min. {_notifications(summary.total)} suppressed meanwhile" + (":" if lines else ".")
        ),
    ]
    if lines:
        blocks.append(section("\n".join(lines)))
    still = [a.alarm_name for a in summary.alarms if a.last_state == "ALARM"]
    if still:
        blocks.append(context(f":red_circle: Still in ALARM at last notice: {escape(', '.join(still))}"))
    return fallback(f"Maintenance ended: {_notifications(summary.total)} suppressed"), blocks
