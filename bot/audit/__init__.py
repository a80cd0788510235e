"""Append-only, hash-chained audit log of every change perfbot proposes, applies, refuses or undoes."""

from __future__ import annotations

from bot.audit.log import (
    Anchors,
    AuditLog,
    AuditWriteError,
    ChainReport,
    DynamoAuditLog,
    HashChainedLog,
    InMemoryAnchors,
    InMemoryAuditLog,
    S3Anchors,
)
from bot.audit.models import Action, AuditEvent

__all__ = [
    "Action",
    "Anchors",
    "AuditEvent",
    "AuditLog",
    "AuditWriteError",
    "ChainReport",
    "DynamoAuditLog",
    "HashChainedLog",
    "InMemoryAnchors",
    "InMemoryAuditLog",
    "S3Anchors",
    "audit_log",
]


def audit_log() -> DynamoAuditLog:
    """The audit log of the configured audit table, anchored in the configured Object Lock bucket."""
    from bot.settings import get_settings

    settings = get_settings()
    anchors = S3Anchors(settings.audit_anchors.bucket, settings.region)
    return DynamoAuditLog(settings.tables.audit, settings.region, anchors=anchors)
