"""Arguments, windows, marks and bucket arithmetic shared by every report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.aws.cloudwatch import Series
from bot.reports.common import (
    Mark,
    ReportInputError,
    aligned_end,
    mark_below,
    parse_service,
    parse_service_and_window,
    sum_since,
    value_at,
    worst,
)


def test_service_and_window_in_either_order(settings: Any) -> None:
    assert parse_service_and_window(settings, []) == (None, "24h")
    service, window = parse_service_and_window(settings, ["7d", "monitoring-api"])
    assert service is not None and service.name == "monitoring-api" and window == "7d"
    assert parse_service_and_window(settings, ["30D"])[1] == "30d"


def test_unknown_service_lists_the_known_ones(settings: Any) -> None:
    with pytest.raises(ReportInputError, match=r"`billing-api`.*Known services: monitoring-api"):
        parse_service_and_window(settings, ["billing-api"])


@pytest.mark.parametrize("word", ["5h", "2d", "90m", "1w"])
def test_a_window_we_do_not_offer_is_refused(settings: Any, word: str) -> None:
    with pytest.raises(ReportInputError, match="1h, 24h, 7d, 30d"):
        parse_service_and_window(settings, [word])


def test_extra_arguments_are_refused(settings: Any) -> None:
    with pytest.raises(ReportInputError, match="Unexpected"):
        parse_service_and_window(settings, ["monitoring-api", "monitoring-api"])
    with pytest.raises(ReportInputError, match="Unexpected"):
        parse_service(settings, ["monitoring-api", "24h"])


@pytest.mark.parametrize(
    ("value", "mark"),
    [
        (None, Mark.UNKNOWN),
        (10.0, Mark.PASS),
        (89.9, Mark.PASS),
        (90.0, Mark.AT_RISK),
        (100.0, Mark.AT_RISK),
        (100.1, Mark.BREACH),
    ],
)
def test_marks_against_a_limit_of_100(value: float | None, mark: Mark) -> None:
    assert mark_below(value, 100.0) is mark


def test_worst_mark_and_unknown_outranks_pass() -> None:
    assert worst([Mark.PASS, Mark.UNKNOWN]) is Mark.UNKNOWN
    assert worst([Mark.AT_RISK, Mark.UNKNOWN, Mark.BREACH]) is Mark.BREACH
    assert worst([]) is Mark.UNKNOWN


def test_report_end_is_on_a_five_minute_boundary() -> None:
    end = aligned_end(datetime(2026, 11, 26, 19, 7, 42, tzinfo=UTC))
    assert end == datetime(2026, 11, 26, 19, 5, tzinfo=UTC)


def test_sums_and_bucket_lookup() -> None:
    t0 = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    series = Series(id="a", label="a", timestamps=[t0 + timedelta(hours=h) for h in range(4)], values=[1, 2, 4, 8])
    assert sum_since(series, t0 + timedelta(hours=2)) == 12
    assert value_at(series, t0 + timedelta(hours=1)) == 2
    assert value_at(series, t0 + timedelta(minutes=30)) is None


def test_exactly_at_the_slo_is_not_a_breach_despite_floating_point() -> None:
    allowed_pct = 100 - 99.9  # 0.09999999999999432
    assert mark_below(0.1, allowed_pct) is Mark.AT_RISK
    assert mark_below(0.1001, allowed_pct) is Mark.BREACH
