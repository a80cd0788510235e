"""Append-only, hash-chained audit log of every change perfbot proposes, applies, refuses or undoes."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from bot.settings import Settings

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
    "anchor_bucket",
    "audit_log",
]


def anchor_bucket(settings: Settings) -> str:
    """The configured anchor bucket, else the name serverless.yml gives it: bucket names are unique across all of
    AWS, so it carries the account and region (``perfbot-<stage>-audit-anchors-<account>-<region>``)."""
    from bot.aws.sts import account_id

    configured = settings.audit_anchors.bucket
    return configured or f"perfbot-{settings.stage}-audit-anchors-{account_id(settings.region)}-{settings.region}"


def audit_log() -> DynamoAuditLog:
    """The audit log of the configured audit table, anchored in the configured Object Lock bucket."""
    from bot.settings import get_settings

    settings = get_settings()
    anchors = S3Anchors(anchor_bucket(settings), settings.region)
    return DynamoAuditLog(settings.tables.audit, settings.region, anchors=anchors)
