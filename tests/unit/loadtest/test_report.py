"""The regression rule (worse than the previous run by more than 20 %), the SLO checks and the target check."""

from __future__ import annotations

import pytest

from bot.loadtest.models import LoadTestRun, PhaseResult
from bot.loadtest.report import regressions, slo_checks
from bot.loadtest.target import RefusedTarget, check_target
from bot.settings import Slo


def _run(p50: float, p95: float, *, errors: int = 0, profile: str = "baseline") -> LoadTestRun:
    phase = PhaseResult(
        name="health", requested_rate=20, sent=100, completed=100, dropped=0, ok=100 - errors, client_errors=0,
        server_errors=errors, transport_errors=0, breaker_refusals=0, breaker_trips=0, elapsed_s=5,
        achieved_rate=20, p50_ms=p50, p95_ms=p95, p99_ms=p95, max_ms=p95,
    )  # fmt: skip
    return LoadTestRun(profile=profile, url="http://127.0.0.1:1/", started_at="t", phases=[phase])


def test_more_than_twenty_percent_slower_is_a_regression() -> None:
    found = regressions(_run(50, 130), _run(50, 100))
    assert [(r.metric, round(r.percent)) for r in found] == [("p95_ms", 30), ("p99_ms", 30)]


def test_within_twenty_percent_is_not() -> None:
    assert regressions(_run(59, 119), _run(50, 100)) == []
    assert regressions(_run(50, 100), None) == []


def test_slo_checks_use_the_configured_percentile_and_error_rate() -> None:
    checks = {c.name: c.met for c in slo_checks(_run(50, 600, errors=1), Slo())}
    assert checks == {"health p95 latency": False, "health error rate": False}


def test_recovery_is_checked_against_its_slo() -> None:
    run = _run(10, 10, profile="recovery")
    run.recovery_s = 61
    [check] = [c for c in slo_checks(run, Slo()) if c.name == "breaker recovery"]
    assert not check.met


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "https://192.168.1.5:8443/", "ftp://127.0.0.1/"])
def test_non_loopback_targets_are_refused(url: str) -> None:
    with pytest.raises(RefusedTarget):
        check_target(url, owned=False)


def test_loopback_and_owned_targets_pass() -> None:
    check_target("http://127.0.0.1:8080/", owned=False)
    check_target("http://localhost:1/", owned=False)
    check_target("https://abc.execute-api.us-east-1.amazonaws.com/dev/", owned=True)


def test_iam_signer_adds_a_sigv4_authorization(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.loadtest.target import sigv4_signer

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    headers = sigv4_signer("us-east-1")("POST", "https://abc.execute-api.us-east-1.amazonaws.com/dev/metrics", b"{}")
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-east-1/execute-api/aws4_request" in headers["Authorization"]
    assert "X-Amz-Date" in headers
