"""Fixtures for the embedded-AWS tests: one server per test process, the AWS env pointing at it, reset per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from slack_sdk import WebClient

from devstack.aws import EmbeddedAws, start_aws
from devstack.slack import SlackEmulator
from devstack.stack import LOCAL_BOT_TOKEN


@pytest.fixture(scope="session")
def embedded_aws_server() -> Iterator[EmbeddedAws]:
    with start_aws(port=0) as aws:
        yield aws


@pytest.fixture
def devstack_aws(embedded_aws_server: EmbeddedAws, monkeypatch: pytest.MonkeyPatch) -> EmbeddedAws:
    """The server with all state wiped and boto3's own env variables pointing at it (no explicit endpoint)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", embedded_aws_server.endpoint_url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL_LAMBDA"):
        monkeypatch.delenv(name, raising=False)
    embedded_aws_server.reset()
    return embedded_aws_server


@pytest.fixture
def cloudwatch(devstack_aws: EmbeddedAws) -> Any:
    return boto3.client("cloudwatch")


@pytest.fixture
def lambda_client(devstack_aws: EmbeddedAws) -> Any:
    return boto3.client("lambda")


@pytest.fixture
def new_table(devstack_aws: EmbeddedAws) -> Callable[..., Any]:
    """``new_table(name, **client_kwargs)``: a DynamoDB client after creating an on-demand table keyed by ``pk``."""

    def create(name: str, **client_kwargs: Any) -> Any:
        client = boto3.client("dynamodb", **client_kwargs)
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        return client

    return create


@pytest.fixture(scope="module")
def server() -> Iterator[SlackEmulator]:
    """One Slack emulator per test module: Alice (an admin, in the perf-approvers group) and Bob."""
    with SlackEmulator(port=0, bot_token=LOCAL_BOT_TOKEN) as emu:
        emu.add_user("U0ALICE001", "alice", "Alice Admin", is_admin=True, email="alice@example.com")
        emu.add_user("U0BOB00001", "bob", "Bob Builder")
        emu.add_usergroup("S0APPROVER", "perf-approvers", ["U0ALICE001"])
        yield emu


@pytest.fixture
def emu(server: SlackEmulator) -> SlackEmulator:
    """The module's emulator with messages, files and call counts wiped (users stay)."""
    server.reset()
    return server


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    """The real slack_sdk WebClient pointed at the emulator."""
    return WebClient(token=LOCAL_BOT_TOKEN, base_url=emu.api_url)
