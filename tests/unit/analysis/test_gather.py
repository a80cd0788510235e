"""One failing read costs one rule: the provisioned-concurrency read of an alias on $LATEST fails (AWS refuses
provisioned concurrency there), yet the function is analysed and the user is told why PC is not assessed."""

from __future__ import annotations

from typing import Any

import pytest

from bot.analysis import gather
from bot.aws.clients import AwsError
from bot.aws.lambda_ import FunctionConfig


class FakeLambda:
    def __init__(self, version: str, provisioned_error: bool = False) -> None:
        self.version = version
        self.provisioned_error = provisioned_error
        self.provisioned_reads = 0

    def get_function_configuration(self, name: str) -> FunctionConfig:
        return FunctionConfig(name, 512, 30, "arm64", "python3.12", "$LATEST", code_size_bytes=4_200_000)

    def get_function_concurrency(self, name: str) -> int | None:
        return None

    def get_alias(self, name: str, alias: str) -> dict[str, Any]:
        return {"Name": alias, "FunctionVersion": self.version}

    def get_provisioned_concurrency(self, name: str, qualifier: str) -> int | None:
        self.provisioned_reads += 1
        if self.provisioned_error:
            raise AwsError("Provisioned Concurrency Configs cannot be applied", code="InvalidParameterValueException")
        return 4


def _read(monkeypatch: pytest.MonkeyPatch, fake: FakeLambda) -> tuple[Any, list[str]]:
    monkeypatch.setattr(gather, "LambdaGateway", lambda: fake)
    notes: list[str] = []
    return gather._lambda_config("fn", "live", notes), notes


def test_an_alias_on_latest_keeps_the_function_and_says_why_provisioned_concurrency_is_impossible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeLambda("$LATEST")
    fn, notes = _read(monkeypatch, fake)
    assert fn is not None and fn.memory_mb == 512 and fn.code_size_bytes == 4_200_000
    assert fn.alias_version == "$LATEST" and fn.provisioned_units is None
    assert fake.provisioned_reads == 0
    assert any("$LATEST" in note and "publish a version" in note for note in notes)


def test_a_failing_provisioned_concurrency_read_costs_only_that_number(monkeypatch: pytest.MonkeyPatch) -> None:
    fn, notes = _read(monkeypatch, FakeLambda("3", provisioned_error=True))
    assert fn is not None and fn.alias == "live" and fn.provisioned_units is None
    assert any("could not read provisioned concurrency of fn:live" in note for note in notes)


def test_a_published_alias_reads_its_units(monkeypatch: pytest.MonkeyPatch) -> None:
    fn, notes = _read(monkeypatch, FakeLambda("3"))
    assert fn is not None and fn.provisioned_units == 4 and notes == []
