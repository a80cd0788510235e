"""`python -m bot loadtest` against the monitored service running for real on loopback (small, bounded profiles)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from bot.cli import main
from bot.settings import get_settings

pytestmark = pytest.mark.functional
OPEN_TIMEOUT_S = 1.5  # the breaker's timeout, compressed so recovery is measured in seconds


@pytest.fixture
def service(stack: Any) -> Iterator[Any]:
    from devstack.service import MonitoredService

    with MonitoredService(get_settings(), breaker_open_timeout_s=OPEN_TIMEOUT_S) as running:
        yield running


def _loadtest(service: Any, tmp_path: Path, profile: str, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp_path / f"{profile}.json"
    code = main(
        [
            "loadtest",
            "--url",
            service.url,
            "--profile",
            profile,
            "--scale",
            "0.1",
            "--no-progress",
            "--json",
            str(out),
            *list(extra),
        ]
    )
    return code, json.loads(out.read_text())


def _health(service: Any) -> dict[str, Any]:
    with urlopen(service.url + "health", timeout=5) as answer:
        return dict(json.loads(answer.read()))


def _sum(namespace: str, metric: str, dimensions: dict[str, str], statistic: str = "Sum") -> float:
    import boto3

    now = datetime.now(UTC)
    answer = boto3.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Period=60,
        Statistics=[statistic],
    )
    return float(sum(p[statistic] for p in answer["Datapoints"]))


def _api_count(service: Any) -> float:
    return _sum("AWS/ApiGateway", "Count", {"ApiName": service.names.api_name})


def test_baseline_is_served_measured_published_and_stored(service: Any, tmp_path: Path) -> None:
    from bot.loadtest import LoadTestStore

    code, run = _loadtest(service, tmp_path, "baseline")
    [phase] = run["phases"]
    assert phase["name"] == "health" and phase["sent"] == 20 and phase["ok"] == 20
    assert 0 < phase["p50_ms"] <= phase["p95_ms"] <= phase["p99_ms"]
    assert {c["name"] for c in run["slo_checks"]} == {"health p95 latency", "health error rate"}
    assert code == (0 if all(c["met"] for c in run["slo_checks"]) else 1)
    service.recorder.flush()
    assert _api_count(service) == 20  # API Gateway's Count of what the service really served
    stored = LoadTestStore(get_settings().tables.state).previous("baseline")
    assert stored is not None and stored.started_at == run["started_at"]


def test_load_writes_application_metrics_through_the_service_index(service: Any, tmp_path: Path) -> None:
    _code, run = _loadtest(service, tmp_path, "load")
    [phase] = run["phases"]
    assert phase["sent"] == 40 and phase["ok"] == 40, phase["statuses"]
    with urlopen(service.url + "metrics?service=load-test-0&limit=2", timeout=5) as answer:
        page = json.loads(answer.read())
    assert page["count"] == 2 and page["next"]  # newest first, paginated
    assert {i["MetricType"] for i in page["items"]} == {"test"}
    service.recorder.flush()
    names = service.names
    from bot.loadtest.profiles import is_read

    posts = sum(1 for i in range(40) if not is_read(i))
    put_latency = {"TableName": names.table_name, "Operation": "PutItem"}
    assert _sum("AWS/DynamoDB", "SuccessfulRequestLatency", put_latency, "SampleCount") == posts
    assert _sum("AWS/DynamoDB", "ConsumedWriteCapacityUnits", {"TableName": names.table_name}) == posts
    function = {"FunctionName": names.function_name}
    assert _sum("AWS/Lambda", "Duration", function, "SampleCount") == 41  # 40 requests + the page read above


def test_stress_trips_the_breaker_and_recovery_is_measured(service: Any, tmp_path: Path) -> None:
    _, stress = _loadtest(service, tmp_path, "stress")
    invalid, burst = stress["phases"]
    assert invalid["client_errors"] == invalid["sent"]  # the guide's invalid data: 400, never a breaker failure
    assert burst["breaker_trips"] >= 1 and burst["breaker_refusals"] > 0
    assert _health(service)["breaker"]["trips"] >= 1

    deadline = time.monotonic() + 10 * OPEN_TIMEOUT_S
    while _health(service)["breaker"]["state"] != "CLOSED" and time.monotonic() < deadline:
        time.sleep(0.1)  # the stress run may leave the breaker open: recovery starts from a closed one
    code, recovery = _loadtest(service, tmp_path, "recovery", "--recovery-max-seconds", "20")
    # measured from the first refusal the client saw, which comes up to one request gap (and its latency) after the
    # breaker opened: the refusals lasted the breaker's timeout, give or take that gap
    assert recovery["recovery_s"] is not None and recovery["recovery_s"] >= OPEN_TIMEOUT_S - 0.3
    [check] = [c for c in recovery["slo_checks"] if c["name"] == "breaker recovery"]
    assert check["met"] and code == 0
    assert _health(service)["breaker"]["state"] == "CLOSED"


def test_failing_dynamodb_switch_trips_the_breaker(service: Any, tmp_path: Path) -> None:
    service.faults.failing_dynamodb = True
    _, run = _loadtest(service, tmp_path, "load")
    [phase] = run["phases"]
    assert phase["server_errors"] >= 1 and phase["breaker_refusals"] > 0
    assert _health(service)["status"] == "degraded"


def test_a_second_run_is_compared_with_the_previous_one(service: Any, tmp_path: Path) -> None:
    from bot.loadtest import LoadTestStore

    _, first = _loadtest(service, tmp_path, "baseline")
    store = LoadTestStore(get_settings().tables.state)
    previous = store.previous("baseline")
    assert previous is not None and previous.started_at == first["started_at"]
    fast = {"p50_ms": 0.001, "p95_ms": 0.001, "p99_ms": 0.001}  # 1 µs: no HTTP round trip is this fast
    faster = [p.model_copy(update=fast) for p in previous.phases]
    store.save(previous.model_copy(update={"started_at": "9999-12-31T00:00:00", "phases": faster}))  # the latest

    code, second = _loadtest(service, tmp_path, "baseline")
    assert second["previous_started_at"] == "9999-12-31T00:00:00"
    assert {r["metric"] for r in second["regressions"]} >= {"p50_ms", "p95_ms"}
    assert code == 1


def test_the_service_runs_with_the_configuration_perfbot_applies(service: Any) -> None:
    from bot.aws.lambda_ import LambdaGateway

    LambdaGateway().update_memory(service.names.function_name, 256)
    service.refresh_config()
    assert _health(service)["config"]["memory_mb"] == 256


def test_a_target_that_is_not_loopback_is_refused(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["loadtest", "--url", "http://10.20.30.40/", "--profile", "baseline", "--no-progress"])
    assert code == 2
    assert "--i-own-this-endpoint" in capsys.readouterr().err


def test_post_and_perf_loadtest_status_show_the_last_results(
    stack: Any, service: Any, tmp_path: Path, slack_handler: Any
) -> None:
    from tests.functional.test_reports_slack import CHANNEL, slash

    slash(stack, slack_handler, "loadtest status")
    assert "No load test has run yet" in stack.slack.messages(CHANNEL)[-1].plain_text()

    _, run = _loadtest(service, tmp_path, "baseline", "--post")
    digest = get_settings().slack.digest_channel
    [posted] = stack.slack.messages(digest)
    assert "Load test baseline" in posted.plain_text() and "p95" in posted.plain_text()

    slash(stack, slack_handler, "loadtest status")
    shown = stack.slack.messages(CHANNEL)[-1].plain_text()
    assert "Last load-test results" in shown and run["started_at"] in shown
