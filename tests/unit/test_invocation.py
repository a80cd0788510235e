"""The invocation's Lambda context lives exactly as long as the invocation (a later one on the thread never sees it)."""

from __future__ import annotations

from typing import Any

import pytest

from bot import invocation
from bot.observability import lambda_handler


class Context:
    aws_request_id = "req-1"

    def __init__(self, millis: int) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def test_remaining_time_only_inside_the_invocation() -> None:
    assert invocation.remaining_s() is None
    with invocation.running(Context(12_500)):
        assert invocation.remaining_s() == 12.5
    assert invocation.remaining_s() is None


def test_a_handler_that_raises_still_forgets_its_context() -> None:
    seen: list[float | None] = []

    @lambda_handler
    def handler(event: Any, context: Any) -> None:
        seen.append(invocation.remaining_s())
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        handler({}, Context(3_000))
    assert seen == [3.0]
    assert invocation.remaining_s() is None
