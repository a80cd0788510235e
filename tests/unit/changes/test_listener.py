"""`/perf audit` argument handling and the ids a click leaves in the audit trail."""

from __future__ import annotations

import pytest

from bot.slack.commands import Invocation, UsageError, lookup
from bot.slack.listeners import changes as listener


def invocation(*args: str) -> Invocation:
    return Invocation(name="audit", args=list(args), user_id="U0APPROVER1", channel_id="C0PERFALRT")


@pytest.mark.parametrize("bad", ["0", "101", "drop-table", "chg-XYZ"])
def test_audit_rejects_bad_arguments(bad: str) -> None:
    with pytest.raises(UsageError):
        listener.audit_command(invocation(bad))


def test_audit_is_a_registered_subcommand() -> None:
    command = lookup("audit")
    assert command is not None and command.usage == "/perf audit [n | change-id]"


def test_click_carries_slack_and_api_gateway_ids_for_the_audit() -> None:
    body = {
        "user": {"id": "U0APPROVER1"},
        "channel": {"id": "C0PERFALRT", "name": "perf-alerts"},
        "trigger_id": "123.456.abc",
        "container": {"message_ts": "1700000000.000100"},
        "actions": [{"value": "chg-0123456789", "action_ts": "1700000001.000200"}],
    }
    context = {"lambda_request": {"headers": {"x-slack-retry-num": "1"}, "requestContext": {"requestId": "apigw-1"}}}
    value, click = listener._click(body, context)  # type: ignore[arg-type]
    assert value == "chg-0123456789"
    assert (click.user, click.channel_id, click.channel_name) == ("U0APPROVER1", "C0PERFALRT", "perf-alerts")
    assert click.slack_ids == {
        "trigger_id": "123.456.abc",
        "action_ts": "1700000001.000200",
        "message_ts": "1700000000.000100",
        "api_request_id": "apigw-1",
        "slack_retry_num": "1",
    }
