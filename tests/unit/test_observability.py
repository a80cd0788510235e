"""Each handler imported as Lambda imports it logs every bot.* / handlers.* line as Powertools JSON at the configured
level; one metrics namespace; X-Ray subsegments around the unit of work and its boto3 calls on Lambda only.

The handlers run in fresh processes with a Lambda-like environment: AWS_LAMBDA_FUNCTION_NAME, LOG_LEVEL, the root
logger set up as the Python runtime's bootstrap sets it (a text handler, level untouched), the handler module loaded
with importlib like the runtime does, no demo code. Nothing talks to AWS; Slack's auth.test is a local stub.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot import observability

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "lambda-logging-secret"

BOOTSTRAP = r"""
import dataclasses, importlib, json, logging, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class AuthTest(BaseHTTPRequestHandler):  # Bolt asks auth.test on the first request
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0PERFBOT"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), AuthTest)
threading.Thread(target=server.serve_forever, daemon=True).start()
import os
os.environ["SLACK_API_URL"] = f"http://127.0.0.1:{server.server_port}/api/"

class RequestId(logging.Filter):  # awslambdaric's LambdaLoggerFilter
    def filter(self, record):
        record.aws_request_id = "runtime-request-id"
        return True

runtime = logging.StreamHandler(sys.stdout)
runtime.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"))
runtime.addFilter(RequestId())
logging.getLogger().addHandler(runtime)

name = sys.argv[1]
module = importlib.import_module(name)
imported = sorted(m for m in sys.modules if m.startswith(("devstack", "moto")))

from devstack import slack_requests
from bot import observability

def event(n):
    if name == "handlers.slack":
        body = slack_requests.slash_command_body(
            "help", user_id="U0ALICE", channel_id="C0PERF", response_url="http://127.0.0.1:9/unused"
        )
        return slack_requests.signed_event(body, sys.argv[2])
    if name == "handlers.alarms":
        return {"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": f"m{n}", "Message": "not an alarm"}}]}
    return {"task": "probe"}

from bot.schedule import task

@task("probe")
def probe(event):
    logging.getLogger("bot.schedule.probe").info("task_probe")
    return {}

probe_logger = logging.getLogger("bot.probe")
for n in (1, 2):  # a warm container: the second invocation must not add a handler or a line
    context = dataclasses.replace(slack_requests.LambdaContext(), aws_request_id=f"request-{n}")
    module.handler(event(n), context)
    probe_logger.info("probe_info", extra={"invocation": n})
    probe_logger.debug("probe_debug", extra={"invocation": n})
observability.setup_logging()
sys.stdout.flush()
print("RESULT " + json.dumps({
    "imported": imported,
    "handlers": {n: len(logging.getLogger(n).handlers) for n in ("bot", "handlers", "bot.probe")},
    "root_handlers": len(logging.getLogger().handlers),
}))
"""

HANDLERS = ["handlers.slack", "handlers.alarms", "handlers.schedule"]
POWERTOOLS_KEYS = {"level", "location", "message", "timestamp", "service", "name"}
CONTEXT_KEYS = {"cold_start", "function_name", "function_memory_size", "function_arn", "function_request_id"}


def _lambda_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SLACK_", "PERFBOT_", "POWERTOOLS_"))}
    env.pop("LOG_LEVEL", None)
    env.pop("LAMBDA_TASK_ROOT", None)
    return env | {
        "AWS_LAMBDA_FUNCTION_NAME": "perfbot-dev-fn",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # any AWS call would fail at once, never reach AWS
        "SLACK_BOT_TOKEN": "xoxb-lambda-logging",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@dataclass(frozen=True)
class LambdaRun:
    logs: list[dict[str, Any]]  # Powertools JSON log lines
    emf: list[dict[str, Any]]  # CloudWatch EMF metric lines
    text: list[str]  # anything else (the runtime's plain-text handler)
    result: dict[str, Any]  # what the bootstrap saw after the invocations


@functools.cache
def _run_as_lambda(handler: str, log_level: str) -> LambdaRun:
    completed = subprocess.run(
        [sys.executable, "-c", BOOTSTRAP, handler, SIGNING_SECRET],
        cwd="/",  # the handler is found through PYTHONPATH, as through the runtime's task root
        env=_lambda_env(LOG_LEVEL=log_level),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    lines = (completed.stdout + completed.stderr).splitlines()
    result = json.loads(next(line for line in lines if line.startswith("RESULT "))[len("RESULT ") :])
    records = [json.loads(line) for line in lines if line.startswith("{")]
    return LambdaRun(
        logs=[r for r in records if "_aws" not in r],
        emf=[r for r in records if "_aws" in r],
        text=[line for line in lines if line.strip() and not line.startswith(("{", "RESULT "))],
        result=result,
    )


def _lines(logs: list[dict[str, Any]], message: str) -> list[dict[str, Any]]:
    return [r for r in logs if r.get("message") == message]


@pytest.mark.parametrize("log_level", ["INFO", "DEBUG"])
@pytest.mark.parametrize("handler", HANDLERS)
def test_handler_imported_as_lambda_logs_bot_lines_as_powertools_json(handler: str, log_level: str) -> None:
    run = _run_as_lambda(handler, log_level)
    logs, text, result = run.logs, run.text, run.result

    assert result["imported"] == []  # no demo, devstack or moto code behind the handler
    assert result["handlers"] == {"bot": 1, "handlers": 1, "bot.probe": 0}  # one shared handler after 2 invocations
    assert result["root_handlers"] == 1  # Lambda's own, untouched

    infos = _lines(logs, "probe_info")
    assert [r["invocation"] for r in infos] == [1, 2]  # once each: nothing propagates to the root handler too
    for n, line in enumerate(infos, start=1):
        assert line.keys() >= POWERTOOLS_KEYS | CONTEXT_KEYS
        assert (line["level"], line["name"], line["service"]) == ("INFO", "bot.probe", "perfbot")
        assert line["location"].startswith("<module>:")
        assert line["function_request_id"] == f"request-{n}"
        assert line["cold_start"] is (n == 1)
    assert not [t for t in text if "probe_info" in t]  # no plain-text copy by the runtime's handler

    debugs = _lines(logs, "probe_debug")
    assert len(debugs) == (2 if log_level == "DEBUG" else 0)
    assert all(r["level"] == "DEBUG" for r in debugs)


@pytest.mark.parametrize(
    ("handler", "log_level", "message", "logger"),
    [
        ("handlers.alarms", "INFO", "alarm_record_rejected", "bot.alarms.intake"),
        ("handlers.alarms", "INFO", "alarm_batch_done", "handlers.alarms"),
        ("handlers.schedule", "INFO", "task_probe", "bot.schedule.probe"),
        ("handlers.schedule", "INFO", "task_done", "handlers.schedule"),
        ("handlers.slack", "DEBUG", "slack_request", "handlers.slack"),
    ],
)
def test_lines_logged_during_an_invocation_carry_its_lambda_context(
    handler: str, log_level: str, message: str, logger: str
) -> None:
    lines = _lines(_run_as_lambda(handler, log_level).logs, message)
    assert [(r["name"], r["function_request_id"]) for r in lines] == [(logger, "request-1"), (logger, "request-2")]
    assert all(r.keys() >= CONTEXT_KEYS for r in lines)


def test_the_slack_request_line_is_debug_so_the_ack_path_logs_nothing_at_info() -> None:
    logs = _run_as_lambda("handlers.slack", "INFO").logs
    assert not [r for r in logs if r["name"].startswith("handlers.")]


def test_alarm_metrics_go_to_the_one_namespace() -> None:
    emf = _run_as_lambda("handlers.alarms", "INFO").emf
    assert emf  # Alarm_rejected, once per invocation
    assert {m["Namespace"] for line in emf for m in line["_aws"]["CloudWatchMetrics"]} == {"Perfbot"}


def test_metrics_namespace_is_configured_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    serverless = (ROOT / "serverless.yml").read_text(encoding="utf-8")
    assert re.findall(r"^\s+POWERTOOLS_METRICS_NAMESPACE: (\S+)$", serverless, re.M) == [
        observability.DEFAULT_NAMESPACE
    ]
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    assert observability.metrics_namespace() == observability.DEFAULT_NAMESPACE
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Elsewhere")
    assert observability.metrics_namespace() == "Elsewhere"

    # every Powertools metrics object in bot/ and handlers/ takes the namespace from there, none spells its own
    spelled: list[str] = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/*.py")]:
        if "devstack" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Metrics"):
                namespace = next((k.value for k in node.keywords if k.arg == "namespace"), None)
                if namespace is None or "metrics_namespace" not in ast.unparse(namespace):
                    spelled.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert spelled == []


def test_off_lambda_the_handlers_leave_logging_alone_and_build_no_tracer() -> None:
    script = (
        "import logging, sys\n"
        "import handlers.alarms, handlers.schedule, handlers.slack\n"
        "from bot import observability\n"
        "print(logging.getLogger('bot').handlers, logging.getLogger('bot').propagate, observability.tracer(),"
        " 'aws_xray_sdk' in sys.modules)\n"
    )
    env = _lambda_env()
    env.pop("AWS_LAMBDA_FUNCTION_NAME")
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.split() == ["[]", "True", "None", "False"]


TRACING = r"""
import json, sys
import boto3
from botocore.stub import Stubber

import handlers.schedule
import handlers.slack
from bot.schedule import task

def probe_call():
    sts = boto3.client("sts", region_name="us-east-1")
    with Stubber(sts) as stub:  # the call goes through botocore (patched by the Tracer) without the network
        identity = {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/probe", "UserId": "probe"}
        stub.add_response("get_caller_identity", identity)
        sts.get_caller_identity()

@task("probe")
def probe(event):
    probe_call()
    return {}

from devstack.slack_requests import LambdaContext
handlers.schedule.handler({"task": "probe"}, LambdaContext())

def lazy_probe():  # what Bolt runs in the lazy self-invocation
    probe_call()

from slack_bolt import BoltRequest
handlers.slack.app.listener_runner.lazy_listener_runner.run(lazy_probe, BoltRequest(body="", headers={}))
"""


def test_on_lambda_the_unit_of_work_and_its_boto3_calls_are_xray_subsegments() -> None:
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # stands in for the X-Ray daemon: nothing leaves
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(10)
    env = _lambda_env(
        LOG_LEVEL="WARNING",
        LAMBDA_TASK_ROOT=str(ROOT),
        _X_AMZN_TRACE_ID="Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        AWS_XRAY_DAEMON_ADDRESS=f"127.0.0.1:{daemon.getsockname()[1]}",
    )
    try:
        completed = subprocess.run(
            [sys.executable, "-c", TRACING], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
        )
        assert completed.returncode == 0, completed.stderr[-3000:]
        daemon.settimeout(0.5)
        documents: list[dict[str, Any]] = []
        try:
            while True:
                header, _, body = daemon.recv(65536).decode().partition("\n")
                assert json.loads(header)["format"] == "json"
                documents.append(json.loads(body))
        except TimeoutError:
            pass
    finally:
        daemon.close()

    def flatten(doc: dict[str, Any]) -> list[dict[str, Any]]:
        return [doc, *(d for sub in doc.get("subsegments", []) for d in flatten(sub))]

    segments = [s for doc in documents for s in flatten(doc)]
    by_name = {s["name"]: s for s in segments}
    assert by_name["## schedule_task"]["annotations"] == {"task": "probe"}
    assert by_name["## lazy_listener"]["annotations"] == {"listener": "lazy_probe"}
    aws_calls = [s for s in segments if s.get("namespace") == "aws"]
    assert [s["aws"]["operation"] for s in aws_calls] == ["GetCallerIdentity", "GetCallerIdentity"]
    parents = {s["id"]: s for s in segments}
    for call in aws_calls:  # each boto3 call sits inside its unit of work
        parent = call.get("parent_id")
        assert parent in parents and parents[parent]["name"].startswith("## "), call
