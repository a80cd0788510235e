"""Object Lock in moto's S3 as strict as S3's (the audit anchors rely on it).

moto refuses to delete a locked object version, but lets anyone rewrite the lock itself: PutObjectRetention may
shorten a COMPLIANCE retention, switch it to GOVERNANCE or clear it (after which the version can be deleted), and
PutBucketVersioning may suspend versioning on an Object Lock bucket. S3 refuses all of that:

- a version under COMPLIANCE retention keeps it: a retention that is shorter, or in another mode, is AccessDenied
  (only lengthening it is allowed) — nobody, the root user included, can bypass it;
- a bucket with Object Lock stays versioned: suspending versioning is InvalidBucketState.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from moto.s3.exceptions import AccessDeniedByLock, InvalidBucketState
from moto.s3.models import S3Backend


def _until(stamp: str | None) -> datetime.datetime | None:
    if not stamp:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.datetime.strptime(stamp, pattern)
        except ValueError:
            continue
    return None


def _retention_kept(original: Callable[..., None]) -> Callable[..., None]:
    def put_object_retention(
        self: S3Backend, bucket_name: str, key_name: str, version_id: str | None, retention: tuple[Any, Any]
    ) -> None:
        key = self.get_object(bucket_name, key_name, version_id=version_id)
        held = _until(getattr(key, "lock_until", None))
        if (
            key is not None
            and key.lock_mode == "COMPLIANCE"
            and held is not None
            and held > datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        ):
            mode, until = retention
            wanted = _until(until)
            if mode != "COMPLIANCE" or wanted is None or wanted < held:
                raise AccessDeniedByLock
        original(self, bucket_name, key_name, version_id, retention)

    put_object_retention.__perfbot_lock__ = True  # type: ignore[attr-defined]
    return put_object_retention


def _versioning_kept(original: Callable[..., None]) -> Callable[..., None]:
    def put_bucket_versioning(self: S3Backend, bucket_name: str, status: str) -> None:
        if self.get_bucket(bucket_name).object_lock_enabled and status != "Enabled":
            raise InvalidBucketState(
                "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed."
            )
        original(self, bucket_name, status)

    put_bucket_versioning.__perfbot_lock__ = True  # type: ignore[attr-defined]
    return put_bucket_versioning


def apply() -> None:
    if not getattr(S3Backend.put_object_retention, "__perfbot_lock__", False):
        S3Backend.put_object_retention = _retention_kept(S3Backend.put_object_retention)  # type: ignore[method-assign]
    if not getattr(S3Backend.put_bucket_versioning, "__perfbot_lock__", False):
        S3Backend.put_bucket_versioning = _versioning_kept(S3Backend.put_bucket_versioning)  # type: ignore[method-assign]
