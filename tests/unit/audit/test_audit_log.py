"""The audit log is a hash chain: appends link, concurrent writers never fork it, tampering is detected, and the
writer needs nothing but PutItem / GetItem / Query on the audit table (the table is append-only for every role).
The chain's behaviour is asserted on the DynamoDB log and the in-memory one alike."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest

from bot.audit import AuditEvent, DynamoAuditLog, HashChainedLog, InMemoryAuditLog
from bot.audit.log import EVENTS_PK, MARKS_PK, seq_key
from bot.aws.clients import client
from bot.settings import get_settings
from devstack import lambdas


@pytest.fixture
def log(stack: Any) -> DynamoAuditLog:
    return DynamoAuditLog(get_settings().tables.audit)


@pytest.fixture(params=["dynamodb", "memory"])
def any_log(request: pytest.FixtureRequest) -> HashChainedLog:
    if request.param == "memory":
        return InMemoryAuditLog()
    log: HashChainedLog = request.getfixturevalue("log")
    return log


def event(action: str = "approved", change: str = "chg-0000000001", **fields: Any) -> AuditEvent:
    return AuditEvent(action=action, actor="U0APPROVER1", change_id=change, kind="lambda_memory", **fields)


def raw_table() -> Any:
    return boto3.resource("dynamodb").Table(get_settings().tables.audit)


def test_appends_form_a_linked_chain(any_log: HashChainedLog) -> None:
    log = any_log
    first = log.append(event("proposed", before={"memory_mb": 1024}, after={"memory_mb": 1536}))
    second = log.append(event("approved"))
    third = log.append(event("applied", change="chg-0000000002"))
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    assert log.verify_chain().ok
    assert [e.action for e in log.latest(2)] == ["applied", "approved"]
    assert [e.action for e in log.for_change("chg-0000000001")] == ["proposed", "approved"]
    assert log.latest(3)[-1].before == {"memory_mb": 1024}


def test_concurrent_writers_never_fork_the_chain(any_log: HashChainedLog) -> None:
    log = any_log
    barrier = threading.Barrier(12)

    def write(i: int) -> None:
        barrier.wait()
        for j in range(3):
            log.append(event(detail=f"writer {i} event {j}"))

    threads = [threading.Thread(target=write, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = list(log.events())
    assert [e.seq for e in events] == list(range(1, 37))
    assert len({e.detail for e in events}) == 36  # nobody's event was lost or overwritten
    assert log.verify_chain().ok


def test_edited_event_is_detected(log: DynamoAuditLog) -> None:
    for action in ("proposed", "approved", "applied"):
        log.append(event(action, after={"memory_mb": 1536}))
    item = raw_table().get_item(Key={"pk": EVENTS_PK, "sk": seq_key(2)})["Item"]
    body = json.loads(item["body"])
    body["actor"] = "U0MALLORY1"
    raw_table().put_item(Item={**item, "body": json.dumps(body, sort_keys=True, separators=(",", ":"))})
    report = log.verify_chain()
    assert not report.ok
    assert any("event 2 was edited" in p for p in report.problems)


def test_edited_index_attribute_is_detected(log: DynamoAuditLog) -> None:
    log.append(event("failed"))
    raw_table().update_item(
        Key={"pk": EVENTS_PK, "sk": seq_key(1)},
        UpdateExpression="SET #a = :a",
        ExpressionAttributeNames={"#a": "action"},
        ExpressionAttributeValues={":a": "applied"},
    )
    assert any("action attribute" in p for p in log.verify_chain().problems)


def test_deleted_event_in_the_middle_is_detected(log: DynamoAuditLog) -> None:
    for _ in range(4):
        log.append(event())
    raw_table().delete_item(Key={"pk": EVENTS_PK, "sk": seq_key(2)})
    report = log.verify_chain()
    assert report.checked == 3
    assert any("event 2 is missing" in p for p in report.problems)


def test_deleted_last_event_is_detected(log: DynamoAuditLog) -> None:
    for _ in range(3):
        log.append(event())
    raw_table().delete_item(Key={"pk": EVENTS_PK, "sk": seq_key(3)})
    assert any("deleted" in p for p in log.verify_chain().problems)


def test_replaced_last_event_is_detected(log: DynamoAuditLog) -> None:
    log.append(event())
    last = log.append(event("approved"))
    forged = last.model_copy(update={"actor": "U0MALLORY1"})  # still linked to event 1, with a hash of its own
    item = raw_table().get_item(Key={"pk": EVENTS_PK, "sk": seq_key(2)})["Item"]
    raw_table().put_item(Item={**item, "body": forged.body(), "hash": forged.compute_hash()})
    assert log.verify_chain().problems == ["event 2 was replaced after it was written"]  # its mark keeps the hash


def test_every_event_leaves_a_put_only_high_water_mark(log: DynamoAuditLog) -> None:
    appended = [log.append(event()) for _ in range(3)]
    marks = raw_table().query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": MARKS_PK}, ConsistentRead=True
    )["Items"]
    assert [(int(m["seq"]), m["hash"]) for m in marks] == [(e.seq, e.hash) for e in appended]
    assert log.high_water_mark() == {"pk": MARKS_PK, "sk": seq_key(3), "seq": 3, "hash": appended[-1].hash}


@pytest.mark.parametrize("function", ["slack", "schedule"])
def test_the_writer_stays_within_the_functions_role(stack: Any, function: str) -> None:
    """Under the slack and schedule roles as serverless.yml packages them (the embedded AWS enforces them), appending,
    reading and verifying never calls UpdateItem, DeleteItem or BatchWriteItem on the audit table, and nothing is
    denied."""
    audit_table = get_settings().tables.audit
    calls: list[tuple[str, str]] = []
    with lambdas.running_as(function):
        client("dynamodb").meta.events.register(
            "before-parameter-build.dynamodb",
            lambda model, params, **_: calls.append((model.name, params.get("TableName", ""))),
        )
        log = DynamoAuditLog(audit_table)
        for action in ("proposed", "approved", "applied"):
            log.append(event(action))
        assert log.verify_chain().ok
        assert [e.action for e in log.latest(3)] == ["applied", "approved", "proposed"]
        assert len(log.for_change("chg-0000000001")) == 3
    assert stack.aws.denials == []
    on_audit = {name for name, table in calls if table == audit_table}
    assert on_audit == {"PutItem", "Query"}, on_audit
    assert not on_audit & {"UpdateItem", "DeleteItem", "BatchWriteItem"}


def test_export_is_json_lines_that_verify_on_their_own(any_log: HashChainedLog) -> None:
    log = any_log
    for action in ("proposed", "approved", "applied"):
        log.append(event(action))
    lines = list(log.export_lines())
    assert len(lines) == 3
    previous = "0" * 64
    for line in lines:
        record = json.loads(line)
        exported = AuditEvent.model_validate(record)
        assert exported.prev_hash == previous
        assert exported.compute_hash() == record["hash"]
        previous = record["hash"]


def test_the_in_memory_log_detects_tampering_like_the_table() -> None:
    log = InMemoryAuditLog()
    for action in ("proposed", "approved", "applied"):
        log.append(event(action, after={"memory_mb": 1536}))
    stored = log._items[(EVENTS_PK, seq_key(2))]
    body = json.loads(stored["body"])
    log._items[(EVENTS_PK, seq_key(2))] = {**stored, "body": json.dumps(body | {"actor": "U0MALLORY1"})}
    assert log.verify_chain().problems == ["event 2 was edited: its hash no longer matches its content"]
    log._items[(EVENTS_PK, seq_key(2))] = stored
    del log._items[(EVENTS_PK, seq_key(3))]
    problems = log.verify_chain().problems
    assert problems and "events at the end were deleted" in problems[0]
    mark = log.high_water_mark()
    assert mark is not None and mark["seq"] == 3  # the mark outlives the event it marks


def test_anchors_tell_a_recomputed_chain_and_a_forged_event() -> None:
    from bot.audit import InMemoryAnchors
    from bot.audit.log import anchor_problems

    log = InMemoryAuditLog(anchors=InMemoryAnchors())
    for action in ("proposed", "approved", "applied"):
        log.append(AuditEvent(action=action, actor="U0APPROVER1", change_id="chg-0123456789"))
    assert log.verify_chain().ok
    chain = {e.seq: e.hash for e in log.events()}
    anchored = log.anchors.anchored()  # type: ignore[union-attr]
    assert anchor_problems({**chain, 2: "f" * 64}, anchored) == [
        "event 2 differs from its anchor: it was rewritten after it was written"
    ]
    assert anchor_problems({**chain, 4: "e" * 64}, anchored) == [
        "event 4 has no anchor: it was not appended by perfbot (or its anchoring failed)"
    ]
    assert anchor_problems({1: chain[1], 2: chain[2]}, anchored) == [
        "event 3 is anchored but missing from the log: it was deleted"
    ]
    log.anchors.anchor(1, "d" * 64)  # type: ignore[union-attr]
    assert log.verify_chain().problems == ["event 1 has 2 different anchors: someone anchored a forged hash"]


def test_the_anchor_bucket_name_carries_the_account_and_region_unless_configured(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 bucket names are unique across all of AWS: a second team's `perfbot-dev-…` must not collide with ours."""
    from bot.audit import anchor_bucket
    from bot.settings import get_settings, reset_settings

    monkeypatch.delenv("PERFBOT_AUDIT_ANCHOR_BUCKET")
    reset_settings()
    settings = get_settings()
    assert settings.audit_anchors.bucket == ""
    assert anchor_bucket(settings) == "perfbot-dev-audit-anchors-123456789012-us-east-1"  # moto's account, via STS
    monkeypatch.setenv("PERFBOT_AUDIT_ANCHOR_BUCKET", "team-anchors")
    reset_settings()
    assert anchor_bucket(get_settings()) == "team-anchors"
    reset_settings()
