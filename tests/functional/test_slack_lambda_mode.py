"""On Lambda, Bolt's lazy listeners re-invoke the function asynchronously with the original (signed) request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.slack_requests import LambdaContext
from devstack.stack import Devstack

pytestmark = pytest.mark.functional

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys
from botocore.stub import Stubber
import boto3
import handlers.slack as slack
from devstack import slack_requests

runner = slack.app.listener_runner.lazy_listener_runner
lambda_client = boto3.client("lambda", region_name="us-east-1")
runner.lambda_client = lambda_client
invoked = []
with Stubber(lambda_client) as stub:
    hook = "provide-client-params.lambda.Invoke"
    lambda_client.meta.events.register(hook, lambda params, **_: invoked.append(params))
    stub.add_response("invoke", {"StatusCode": 202})
    body = slack_requests.slash_command_body(
        "sla", user_id="U0APPROVER1", channel_id="C0PERF", response_url="http://127.0.0.1:9/unused"
    )
    event = slack_requests.signed_event(body, sys.argv[1])
    response = slack.handler(event, slack_requests.LambdaContext())
print(json.dumps({"runner": type(runner).__name__, "status": response["statusCode"], "invoked": invoked}))
"""


def test_lazy_work_self_invokes_the_function_asynchronously(stack: Devstack) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLACK_", "PERFBOT_"))}
    env |= stack.env | stack.function_env("slack")  # the slack function's role, as Lambda gives it
    env |= {"AWS_LAMBDA_FUNCTION_NAME": "perfbot-dev-slack"}  # Slack: the emulator answers auth.test
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, stack.signing_secret],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["runner"].endswith("LambdaLazyListenerRunner")  # Bolt's, with the lazy run traced
    assert result["status"] == 200  # the ack went back at once
    (call,) = result["invoked"]
    assert call["InvocationType"] == "Event"
    assert call["FunctionName"] == LambdaContext().invoked_function_arn
    payload = json.loads(call["Payload"])
    # the re-invoked request is the original signed one, marked lazy-only, so Bolt verifies it again
    assert payload["headers"]["x-slack-bolt-lazy-only"] == "1"
    assert payload["headers"]["x-slack-bolt-lazy-function-name"] == "run_perf"
    assert "x-slack-signature" in payload["headers"]
