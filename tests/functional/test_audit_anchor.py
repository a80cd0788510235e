"""The audit anchor: each event's hash in an Object Lock bucket (compliance mode), checked by `audit verify`.

Whoever can put items in the audit table can rewrite an event and recompute the chain and its high-water marks, or
append a forged, correctly chained event; the anchors, which nobody can delete or rewrite, still tell.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from bot.audit import AuditEvent, audit_log
from bot.audit.log import EVENTS_PK, MARKS_PK, seq_key
from bot.settings import get_settings
from devstack import lambdas
from tests.support.change_factories import memory_rec
from tests.support.slack_clicks import ALICE, card_for, click

pytestmark = pytest.mark.functional


def audit_table() -> Any:
    return boto3.resource("dynamodb").Table(get_settings().tables.audit)


def bucket() -> str:
    return get_settings().audit_anchors.bucket


def a_change(function: Any) -> None:
    p = card_for(function, memory_rec(before=1024, after=1280))
    click(None, function, "approve_proposal", p.id, user=ALICE, message_ts=p.message_ts)


def put_event(event: AuditEvent) -> None:
    """What anyone with PutItem on the audit table can do: an unconditional put of an event and its mark."""
    item = {
        "pk": EVENTS_PK,
        "sk": seq_key(event.seq),
        "body": event.body(),
        "hash": event.hash,
        "action": event.action,
        "at": event.at,
    }
    if event.change_id:
        item["change_id"] = event.change_id
    audit_table().put_item(Item=item)
    audit_table().put_item(Item={"pk": MARKS_PK, "sk": seq_key(event.seq), "seq": event.seq, "hash": event.hash})


def rechained(events: list[AuditEvent], prev_hash: str) -> list[AuditEvent]:
    out = []
    for e in events:
        linked = e.model_copy(update={"prev_hash": prev_hash})
        linked = linked.model_copy(update={"hash": linked.compute_hash()})
        out.append(linked)
        prev_hash = linked.hash
    return out


def verify_cli(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from bot.cli import audit

    code = audit.run(argparse.Namespace(what="verify", output=None))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_every_event_is_anchored_and_verify_checks_them(
    function: Any, slack_handler: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    a_change(function)
    events = list(audit_log().events())
    assert [e.action for e in events] == ["proposed", "approved", "applied"]
    assert audit_log().anchors.anchored() == {e.seq: {e.hash} for e in events}  # type: ignore[union-attr]
    assert verify_cli(capsys) == (0, "audit chain OK: 3 events, every hash and link verified\n")


def test_a_rewritten_event_with_a_recomputed_chain_fails_verify(
    function: Any, slack_handler: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    a_change(function)
    proposed, approved, applied = audit_log().events()
    forged_approval = approved.model_copy(update={"actor": "U0SOMEONE"})  # who approved it, rewritten
    for e in rechained([forged_approval, applied], proposed.hash):
        put_event(e)
    log = audit_log()
    assert [e.actor for e in log.events()][1] == "U0SOMEONE"
    report = log.verify_chain()
    assert report.problems == [
        "event 2 differs from its anchor: it was rewritten after it was written",
        "event 3 differs from its anchor: it was rewritten after it was written",
    ]
    code, out = verify_cli(capsys)
    assert code == 1 and "event 2 differs from its anchor" in out


def test_a_forged_correctly_chained_event_fails_verify(function: Any, slack_handler: Any) -> None:
    a_change(function)
    *_, last = audit_log().events()
    forged = AuditEvent(action="approved", actor=ALICE, change_id="chg-0123456789", detail="forged", seq=last.seq + 1)
    [forged] = rechained([forged], last.hash)
    put_event(forged)
    assert audit_log().anchors is not None
    report = audit_log().verify_chain()
    assert report.problems == ["event 4 has no anchor: it was not appended by perfbot (or its anchoring failed)"]


def test_a_deleted_event_fails_verify_even_with_its_mark_gone(function: Any, slack_handler: Any) -> None:
    a_change(function)
    audit_table().delete_item(Key={"pk": EVENTS_PK, "sk": seq_key(3)})
    audit_table().delete_item(Key={"pk": MARKS_PK, "sk": seq_key(3)})
    assert audit_log().verify_chain().problems == ["event 3 is anchored but missing from the log: it was deleted"]


def test_an_anchor_cannot_be_deleted_or_unlocked_even_by_the_operator(function: Any, slack_handler: Any) -> None:
    a_change(function)
    s3 = boto3.client("s3")  # the operator: allowed everything by IAM; Object Lock still says no
    [version, *_] = s3.list_object_versions(Bucket=bucket(), Prefix="audit/")["Versions"]
    key, version_id = version["Key"], version["VersionId"]
    with pytest.raises(ClientError, match="AccessDenied"):
        s3.delete_object(Bucket=bucket(), Key=key, VersionId=version_id)
    sooner = datetime.now(UTC) + timedelta(days=1)
    for mode in ("COMPLIANCE", "GOVERNANCE"):
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.put_object_retention(
                Bucket=bucket(),
                Key=key,
                VersionId=version_id,
                Retention={"Mode": mode, "RetainUntilDate": sooner},
                BypassGovernanceRetention=True,
                ChecksumAlgorithm="SHA256",
            )
    with pytest.raises(ClientError, match="InvalidBucketState"):
        s3.put_bucket_versioning(Bucket=bucket(), VersioningConfiguration={"Status": "Suspended"})
    s3.delete_object(Bucket=bucket(), Key=key)  # a delete marker only hides it…
    assert audit_log().verify_chain().ok  # …from plain listings, not from verify, which reads every version


def test_the_functions_may_only_add_anchors(function: Any, slack_handler: Any) -> None:
    a_change(function)
    [version, *_] = boto3.client("s3").list_object_versions(Bucket=bucket(), Prefix="audit/")["Versions"]
    with lambdas.running_as("slack"):
        s3 = boto3.session.Session().client("s3")
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.delete_object(Bucket=bucket(), Key=version["Key"])  # not even a delete marker
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.put_object(Bucket=bucket(), Key="elsewhere/x", Body=b"{}", ChecksumAlgorithm="SHA256")
