"""The request guard's pieces that need no devstack: the log digest, the slash-field check, the bounded echo."""

from __future__ import annotations

import json

import pytest

from bot.slack import messages, request_guard


def test_a_digest_is_bounded_whatever_the_body() -> None:
    digest = request_guard.digest("\x00<!channel>" + "é" * 3_000_000)
    assert digest["length"] == 2 * 3_000_000 + 11
    assert len(json.dumps(digest)) < 2_000 and "\\x00" in digest["head"]


@pytest.mark.parametrize(
    ("form", "complete"),
    [
        ("command=/perf&user_id=U1&channel_id=C1&response_url=https%3A%2F%2Fx", True),
        ("user_id=U1&channel_id=C1&response_url=x&command=/perf", True),
        ("command=&user_id=U1&channel_id=C1&response_url=x", False),
        ("xcommand=/perf&user_id=U1&channel_id=C1&response_url=x", False),
        ("command=/perf&user_id=U1&channel_id=C1&response_url=", False),
        ("text=command%3D%2Fperf&user_id=U1&channel_id=C1&response_url=x", False),
    ],
)
def test_a_slash_command_needs_its_fields_filled(form: str, complete: bool) -> None:
    if complete:
        request_guard._check_form(form)
    else:
        with pytest.raises(request_guard.Refused) as refused:
            request_guard._check_form(form)
        assert refused.value.status == 400 and "command" in refused.value.reason


def test_an_echo_is_escaped_and_cut_without_splitting_an_entity() -> None:
    echoed = messages.echo("<@U1> & " * 1_000, limit=50)
    assert len(echoed) <= 50 and echoed.endswith("…")
    assert "<" not in echoed and echoed[:-1].count("&") == echoed[:-1].count(";")
    assert messages.echo("short <b>") == "short &lt;b&gt;"
