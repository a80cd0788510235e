"""App Home → Slack: gather what is open (incidents, proposals, applied changes, SLA per service) and publish it as
the viewer's Home tab (views.publish). Each part is read on its own: one that fails is named on the tab, the others
still show."""

from __future__ import annotations

import logging
from typing import Any

from bot.settings import Settings, get_settings
from bot.slack.render.home import HomeContent, home_view

logger = logging.getLogger(__name__)
RECENT_AUDIT_EVENTS = 50  # how far back the audit log is read for applied changes
UNDOABLE = {"applied"}


def _open_incidents(settings: Settings) -> list[Any]:
    from bot.alarms.service import stores

    incidents, _, _ = stores(settings)
    return sorted(incidents.open_incidents(), key=lambda i: i.opened_at, reverse=True)


def _pending() -> list[Any]:
    from bot.changes.store import proposal_store

    return sorted(proposal_store().pending(), key=lambda p: p.approve_by)


def _applied() -> list[Any]:
    """Changes applied lately that are still in place (not undone): newest first, from the audit log."""
    from bot.audit import audit_log
    from bot.changes.store import UnknownProposal, proposal_store

    ids = [e.change_id for e in audit_log().latest(RECENT_AUDIT_EVENTS) if e.action == "applied" and e.change_id]
    found = []
    for change_id in dict.fromkeys(ids):
        try:
            p = proposal_store().get(change_id)
        except UnknownProposal:
            continue
        if p.state in UNDOABLE and not p.undo_of and not p.undone_by:
            found.append(p)
    return found


def _sla(settings: Settings) -> Any:
    from bot.reports.sla import build_sla_report

    return build_sla_report(settings)


def gather(settings: Settings | None = None, *, notice: str = "") -> HomeContent:
    settings = settings or get_settings()
    content = HomeContent(notice=notice)
    parts = {
        "open incidents": lambda: setattr(content, "incidents", _open_incidents(settings)),
        "proposals": lambda: setattr(content, "pending", _pending()),
        "applied changes": lambda: setattr(content, "applied", _applied()),
        "SLA": lambda: setattr(content, "sla", _sla(settings)),
    }
    for name, read in parts.items():
        try:
            read()
        except Exception:
            logger.exception("home_part_failed", extra={"part": name})
            content.problems.append(f"Could not read the {name} just now; the log has the details.")
    return content


def publish_home(client: Any, user: str, *, notice: str = "") -> None:
    """Publish ``user``'s Home tab with what is open now."""
    client.views_publish(user_id=user, view=home_view(gather(notice=notice)))
