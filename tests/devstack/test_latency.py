"""The devstack's latency model: the spec, the draws around the median, off by default."""

from __future__ import annotations

import statistics

import pytest

from devstack import latency


def test_spec_parses_medians_in_seconds() -> None:
    assert latency.parse("slack=100ms, aws=5ms") == {"slack": 0.1, "aws": 0.005}
    assert latency.parse("aws=0.2s") == {"aws": 0.2}


@pytest.mark.parametrize("spec", ["slack", "dynamo=5ms", "slack=fast"])
def test_bad_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="not a latency"):
        latency.parse(spec)


def test_draws_centre_on_the_median_and_stop_when_switched_off() -> None:
    latency.configure("slack=100ms")
    try:
        draws = [latency.draw("slack") for _ in range(2000)]
        assert 0.09 < statistics.median(draws) < 0.11
        assert latency.draw("aws") == 0.0  # not configured: no delay
    finally:
        latency.configure(None)
    assert latency.draw("slack") == 0.0


def test_the_middleware_notes_processing_time_apart_from_the_delay_while_on() -> None:
    import time

    def slow_app(environ: dict[str, object], start_response: object) -> list[bytes]:
        time.sleep(0.03)
        return [b"ok"]

    app = latency.middleware(slow_app, "aws")
    assert list(app({}, None)) == [b"ok"] and latency.service_times("aws") == []  # off: nothing noted
    latency.configure("aws=1ms")
    try:
        before = time.monotonic()
        assert list(app({}, None)) == [b"ok"]
        [(arrived, seconds)] = latency.service_times("aws")
        assert before <= arrived and 0.03 <= seconds < 0.2  # the app's time, not the model's delay
    finally:
        latency.configure(None)
    assert latency.service_times("aws") == []
