"""`/perf analyze` with PERFBOT_ANALYZER=bedrock against a local Converse endpoint (AWS_ENDPOINT_URL_BEDROCK_RUNTIME):
the real boto3 client speaks HTTP to it; its answers are realistic, sometimes hostile, sometimes throttled."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import pytest

from bot.aws.bedrock import reset_bedrock_clients
from bot.settings import get_settings, reset_settings
from devstack import lambdas
from devstack.simulator import simulate
from tests.support.alarm_helpers import slash, top_level
from tests.support.bedrock_answers import MODEL_ID, converse_response, memory_item

pytestmark = pytest.mark.functional

CACHE = {
    "kind": "apigw_cache",
    "target": "monitoring-api/dev",
    "current": {"enabled": False, "cluster_size_gb": "", "ttl_s": 300},
    "proposed": {"enabled": True, "cluster_size_gb": "1.6", "ttl_s": 300},
    "rationale": "70 % GETs and p95 748 ms: cache the reads. <!channel> look!",
    "impact": {"p95_ms_delta": -250, "monthly_cost_delta_usd": 27.74, "summary": "cache the GETs"},
    "confidence": 0.7,
}


class FakeBedrock:
    """Answers POST /model/<id>/converse from a script: a status and a JSON body per request."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append({"path": self.path, "body": json.loads(body or b"{}")})
                status, answer = fake.script.pop(0) if fake.script else (429, {"message": "Too many requests"})
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if status == 429:
                    self.send_header("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def bedrock(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBedrock]:
    fake = FakeBedrock()
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", fake.url)
    monkeypatch.setenv("PERFBOT_ANALYZER", "bedrock")
    reset_settings()
    reset_bedrock_clients()
    simulate(get_settings())
    yield fake
    fake.server.shutdown()
    reset_bedrock_clients()
    monkeypatch.undo()
    reset_settings()


def test_model_recommendations_become_cards_and_hostile_ones_are_dropped(
    bedrock: FakeBedrock, stack: Any, slack_handler: Any
) -> None:
    bedrock.script.append((200, converse_response([CACHE, memory_item(10240, target="payments-prod")])))
    slash(stack, slack_handler, "analyze")
    assert lambdas.wait_idle(timeout=90)  # a loaded machine can be slow
    summary, *cards = top_level(stack)
    assert summary.text.startswith(f"1 recommendation for monitoring-api (Bedrock ({MODEL_ID}))")
    dropped = json.dumps(summary.blocks)  # each dropped suggestion is listed with its reason
    assert "Dropped by the guardrails" in dropped and "payments-prod" in dropped and "not a configured" in dropped
    [card] = cards
    text = json.dumps(card.blocks)
    assert "1.6 GB" in text and f"source {MODEL_ID}" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text  # model text is data, escaped
    [request] = bedrock.requests
    assert unquote(request["path"]) == f"/model/{MODEL_ID}/converse"
    assert request["body"]["toolConfig"]["toolChoice"] == {"tool": {"name": "submit_recommendations"}}


def test_a_throttled_model_falls_back_to_the_rule_engine_and_says_so(
    bedrock: FakeBedrock, stack: Any, slack_handler: Any
) -> None:
    slash(stack, slack_handler, "analyze")
    assert lambdas.wait_idle(timeout=90)  # a loaded machine can be slow
    summary, *cards = top_level(stack)
    assert summary.text.startswith("1 recommendation for monitoring-api (rule engine)")
    notes = json.dumps(summary.blocks)
    assert "Bedrock unavailable: throttled (ThrottlingException)" in notes and "rule engine used" in notes
    assert len(cards) == 1 and "source rules" in json.dumps(cards[0].blocks)
    assert len(bedrock.requests) >= 3  # retried with backoff before giving up


def test_a_nan_in_the_models_answer_drops_that_item_and_keeps_the_rest(
    bedrock: FakeBedrock, stack: Any, slack_handler: Any
) -> None:
    """The JSON on the wire carries NaN / Infinity tokens (botocore reads them as floats)."""
    nan_impact = memory_item(1280, impact={"p95_ms_delta": float("nan"), "monthly_cost_delta_usd": float("inf")})
    bedrock.script.append((200, converse_response([nan_impact, CACHE])))
    slash(stack, slack_handler, "analyze")
    assert lambdas.wait_idle(timeout=90)
    summary, *cards = top_level(stack)
    assert summary.text.startswith(f"1 recommendation for monitoring-api (Bedrock ({MODEL_ID}))")
    assert "not a usable number: impact.p95_ms_delta is nan" in json.dumps(summary.blocks)
    [card] = cards
    assert "1.6 GB" in json.dumps(card.blocks)


class SilentBedrock:
    """Accepts the connection, reads the request, and never answers (until the test ends)."""

    def __init__(self) -> None:
        self.requests = 0
        self.done = threading.Event()
        silent = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                silent.requests += 1
                silent.done.wait(30)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_a_model_that_never_answers_leaves_time_for_the_rule_engines_answer(
    stack: Any, slack_handler: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slack function with 3 s to live: the model gets what is left minus the fallback's reserve, and the rules'
    answer is in Slack before the function would have been stopped."""
    silent = SilentBedrock()
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", silent.url)
    monkeypatch.setenv("PERFBOT_ANALYZER", "bedrock")
    monkeypatch.setitem(lambdas.TIMEOUTS_S, "slack", 3.0)
    reset_settings()
    reset_bedrock_clients()
    simulate(get_settings())
    try:
        started = time.time()
        slash(stack, slack_handler, "analyze")
        assert lambdas.wait_idle(timeout=30)
        summary, *_ = top_level(stack)
        assert summary.text.startswith("1 recommendation for monitoring-api (rule engine)")
        notes = json.dumps(summary.blocks)
        assert "Bedrock unavailable" in notes and "rule engine used" in notes, notes
        assert silent.requests <= 1  # asked once at most, never retried into the deadline
        assert float(summary.ts) - started < 3.0  # posted while the 3 s invocation was still alive
    finally:
        silent.done.set()
        silent.server.shutdown()
        reset_bedrock_clients()
        monkeypatch.undo()
        reset_settings()
