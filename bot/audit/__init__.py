"""Append-only, hash-chained audit log of every change perfbot proposes, applies, refuses or undoes."""

from __future__ import annotations

from bot.audit.log import AuditLog, AuditWriteError, ChainReport, DynamoAuditLog, HashChainedLog, InMemoryAuditLog
from bot.audit.models import Action, AuditEvent

__all__ = [
    "Action",
    "AuditEvent",
    "AuditLog",
    "AuditWriteError",
    "ChainReport",
    "DynamoAuditLog",
    "HashChainedLog",
    "InMemoryAuditLog",
    "audit_log",
]


def audit_log() -> DynamoAuditLog:
    """The audit log of the configured audit table."""
    from bot.settings import get_settings

    settings = get_settings()
    return DynamoAuditLog(settings.tables.audit, settings.region)
