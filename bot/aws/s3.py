"""S3 gateway: write-once objects in a bucket with Object Lock (the audit anchors), and the listing of every version.

The bucket's default retention (compliance mode, set in serverless.yml) locks each object version as it is written:
nobody, not even the account's root user, can delete it or shorten its retention until that passes. A PutObject on an
existing key only adds a version, so readers list *versions*, never just the current objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.aws.clients import client, failing_as


@dataclass(frozen=True)
class ObjectVersion:
    key: str
    version_id: str
    last_modified: str


class LockedBucket:
    def __init__(self, bucket: str, region: str | None = None) -> None:
        self.bucket = bucket
        self._region = region

    @property
    def _client(self) -> Any:
        return client("s3", self._region)

    def put(self, key: str, body: bytes) -> str:
        """Write ``body`` at ``key`` (locked by the bucket's default retention); returns the new version's id."""
        with failing_as("PutObject"):
            answer = self._client.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", ChecksumAlgorithm="SHA256"
            )
        return str(answer.get("VersionId", ""))

    def versions(self, prefix: str) -> Iterator[ObjectVersion]:
        """Every object version under ``prefix``, whatever delete markers hide (ListObjectVersions)."""
        with failing_as("ListObjectVersions"):
            pages = self._client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                for v in page.get("Versions", []):
                    yield ObjectVersion(str(v["Key"]), str(v.get("VersionId", "")), str(v.get("LastModified", "")))

    def delete_version(self, key: str, version_id: str) -> None:
        """Delete one version for good (what Object Lock refuses while it is retained)."""
        with failing_as("DeleteObject"):
            self._client.delete_object(Bucket=self.bucket, Key=key, VersionId=version_id)

    def create(self, retention_days: int) -> bool:
        """Create the bucket with Object Lock, compliance mode, ``retention_days`` by default; False if it exists."""
        s3 = self._client
        with failing_as("CreateBucket"):
            if self.bucket in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
                return False
            extra = (
                {}
                if self._region in (None, "us-east-1")
                else {"CreateBucketConfiguration": {"LocationConstraint": self._region}}
            )
            s3.create_bucket(Bucket=self.bucket, ObjectLockEnabledForBucket=True, **extra)
            s3.put_object_lock_configuration(
                Bucket=self.bucket,
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": retention_days}},
                },
            )
        return True
