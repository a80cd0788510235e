"""Run the embedded AWS and the Slack emulator together and point perfbot at them through its environment."""

from __future__ import annotations

import os
import secrets
from types import TracebackType
from typing import Any

from bot.aws.clients import reset_clients
from bot.settings import reset_settings

LOCAL_BOT_TOKEN = "xoxb-perfbot-local"  # noqa: S105 — the emulator's token, not a secret
ANCHOR_BUCKET = "perfbot-dev-audit-anchors-123456789012-us-east-1"  # serverless.yml's name: stage dev, moto's account


def configured_channels() -> list[str]:
    """Every channel perfbot.yml names: alarm and digest channels, routes, approval channels."""
    from bot.settings import get_settings

    slack = get_settings().slack
    names = [slack.alarm_channel, slack.digest_channel, *(r.channel for r in slack.routes)]
    return list(dict.fromkeys([*names, *get_settings().approvers.channels]))


def add_workspace_channels(emulator: Any) -> None:
    """The workspace perfbot is installed in: its configured channels, where it was invited, and the #general and
    #random every workspace has, where it was not."""
    from bot.slack.channels import is_channel_id

    for channel in configured_channels():
        if not is_channel_id(channel):  # a configured ID names a channel the workspace must already have
            emulator.add_channel(channel.lstrip("#"))
    for name in ("general", "random"):
        emulator.add_channel(name, bot_member=False)


_current: Devstack | None = None


def forget_default_boto3_session() -> None:
    """boto3's default session (``boto3.client(...)``) keeps the credentials it first found; after the environment's
    credentials change, the next ``boto3.client`` must find the new ones."""
    import boto3

    boto3.DEFAULT_SESSION = None


def current() -> Devstack | None:
    """The devstack started in this process (the one ``devstack.lambdas`` takes function credentials from)."""
    return _current


class Devstack:
    """Embedded AWS (+ Slack emulator unless ``with_slack`` is False); sets and restores the environment.

    The embedded AWS enforces IAM as on a deployment (``enforce_iam``): the environment's default credentials are the
    operator's (``*`` on ``*``: bootstrap, the simulator, test setup, CLI verbs), and each function's own come from
    :meth:`function_env` — :func:`devstack.lambdas.running_as` switches to them for a handler invocation.
    """

    def __init__(
        self, *, aws_port: int = 0, slack_port: int = 0, with_slack: bool = True, enforce_iam: bool = True
    ) -> None:
        self.aws_port = aws_port
        self.slack_port = slack_port
        self.with_slack = with_slack
        self.enforce_iam = enforce_iam
        self.signing_secret = secrets.token_hex(16)
        self.aws: Any = None
        self.slack: Any = None
        self._saved_env: dict[str, str | None] = {}

    @property
    def env(self) -> dict[str, str]:
        env = {
            "AWS_ENDPOINT_URL": self.aws.endpoint_url,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "",
            "PERFBOT_AUDIT_ANCHOR_BUCKET": ANCHOR_BUCKET,  # as serverless.yml passes it to the functions
        }
        if self.aws.enforces_iam:
            env |= self.aws.credentials("operator").env()
        if self.slack is not None:
            env |= {
                "SLACK_API_URL": self.slack.api_url,
                "SLACK_BOT_TOKEN": LOCAL_BOT_TOKEN,
                "SLACK_APP_TOKEN": self.slack.app_token,
                "SLACK_SIGNING_SECRET": self.signing_secret,
            }
        return env

    def function_env(self, function: str) -> dict[str, str]:
        """AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN of ``slack``, ``alarms`` or ``schedule``: its
        role's session, as Lambda puts it in the function's environment. Empty when IAM is not enforced."""
        if function not in ("slack", "alarms", "schedule"):
            raise ValueError(f"unknown function {function!r}; one of slack, alarms, schedule")
        return self.aws.credentials(function).env() if self.aws.enforces_iam else {}

    def start(self) -> Devstack:
        global _current  # noqa: PLW0603 - the process's running devstack, for the in-process handler helpers
        from devstack.aws import start_aws
        from devstack.aws.iam.authz import Principals

        self.aws = start_aws(port=self.aws_port, principals=Principals.load() if self.enforce_iam else None)
        _current = self
        if self.with_slack:
            from devstack.slack import SlackEmulator

            self.slack = SlackEmulator(port=self.slack_port, bot_token=LOCAL_BOT_TOKEN)
            self.slack.start()
        for key, value in self.env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value
        forget_default_boto3_session()
        reset_clients()
        reset_settings()
        if self.slack is not None:
            add_workspace_channels(self.slack)
        from devstack.lambdas import register_functions

        register_functions()  # Bolt's lazy listeners invoke the Slack function through the Lambda API, as on AWS
        return self

    def stop(self) -> None:
        global _current  # noqa: PLW0603
        if _current is self:
            _current = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if self.slack is not None:
            self.slack.stop()
        if self.aws is not None:
            self.aws.stop()
        forget_default_boto3_session()
        reset_clients()
        reset_settings()

    def __enter__(self) -> Devstack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
