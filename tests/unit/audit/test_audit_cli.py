"""`python -m bot audit verify | export | n | change-id`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from bot.audit import AuditEvent, audit_log
from bot.audit.log import EVENTS_PK, seq_key
from bot.cli import main
from bot.settings import get_settings


@pytest.fixture
def chain(stack: Any) -> None:
    log = audit_log()
    for action in ("proposed", "approved", "applied"):
        log.append(AuditEvent(action=action, actor="U0APPROVER1", change_id="chg-00000000aa", resource="fn"))


def test_verify_passes_on_an_intact_chain(chain: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 0
    assert "3 events" in capsys.readouterr().out


def test_verify_fails_on_an_edited_event(chain: None, capsys: pytest.CaptureFixture[str]) -> None:
    table = boto3.resource("dynamodb").Table(get_settings().tables.audit)
    item = table.get_item(Key={"pk": EVENTS_PK, "sk": seq_key(3)})["Item"]
    table.put_item(Item={**item, "body": item["body"].replace('"applied"', '"failed"')})
    assert main(["audit", "verify"]) == 1
    assert "event 3 was edited" in capsys.readouterr().err


def test_verify_fails_on_a_deleted_event(chain: None, capsys: pytest.CaptureFixture[str]) -> None:
    boto3.resource("dynamodb").Table(get_settings().tables.audit).delete_item(Key={"pk": EVENTS_PK, "sk": seq_key(1)})
    assert main(["audit", "verify"]) == 1
    assert "event 1 is missing" in capsys.readouterr().err


def test_export_writes_json_lines(chain: None, tmp_path: Path) -> None:
    target = tmp_path / "audit.jsonl"
    assert main(["audit", "export", "--output", str(target)]) == 0
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["action"] for r in records] == ["proposed", "approved", "applied"]
    assert all(len(r["hash"]) == 64 for r in records)


def test_listing_by_change_and_by_count(chain: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "chg-00000000aa"]) == 0
    assert capsys.readouterr().out.count("chg-00000000aa") == 3
    assert main(["audit", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == ["#2", "#3"]
    assert main(["audit", "nonsense"]) == 2
