"""Error budget and burn rates (Google SRE workbook, "Alerting on SLOs"), from request and 5XX counts.

burn rate = error ratio / (1 − SLO): 1.0 spends exactly the 30-day budget in 30 days.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.reports.common import Mark
from bot.reports.models import BurnRate, ErrorBudget

if TYPE_CHECKING:
    from bot.settings import Slo

BUDGET_WINDOW_S = 30 * 86400
# The workbook pages at 14.4× over 1 h (2 % of a 30-day budget) and at 6× over 6 h (5 %).
BURN_WINDOWS: tuple[tuple[str, int, float], ...] = (("1h", 3600, 14.4), ("6h", 6 * 3600, 6.0))
AT_RISK_BUDGET_LEFT = 0.1  # the budget is at risk with less than 10 % left (or a 6 h burn above 1)


def burn(slo: Slo, window: str, requests: float | None, errors: float | None, page: float) -> BurnRate:
    """Burn rate = error ratio / (1 − SLO); without requests there is no ratio: n/a, not 0.00×."""
    allowed = 1 - slo.availability_pct / 100
    rate: float | None = None
    if requests is not None and errors is not None and requests > 0:
        rate = (errors / requests) / allowed
    return BurnRate(window=window, requests=requests, errors=errors, rate=rate, page_threshold=page, alerting=False)


def multi_window(rates: list[BurnRate]) -> list[BurnRate]:
    """The 1 h burn pages at 14.4×; the 6 h burn pages at 6× only while the 1 h window burns at 6× too — the
    shorter window confirms it is still burning (the workbook pairs 6 h with 30 m; hourly sums' shortest is 1 h)."""
    by_window = {r.window: r for r in rates}
    one_h, six_h = by_window["1h"].rate, by_window["6h"].rate
    page_1h, page_6h = by_window["1h"].page_threshold, by_window["6h"].page_threshold
    alerting = {
        "1h": one_h is not None and one_h >= page_1h,
        "6h": six_h is not None and one_h is not None and six_h >= page_6h and one_h >= page_6h,
    }
    return [r.model_copy(update={"alerting": alerting[r.window]}) for r in rates]


NO_TRAFFIC = "no requests in the 30 days"


def budget(slo: Slo, requests: float | None, errors: float | None, burns: list[BurnRate], gone: str) -> ErrorBudget:
    """The 30-day error budget; unknown (not 100 % left) when the counts are missing or there was no traffic."""
    if requests is not None and errors is not None and requests <= 0:
        gone = NO_TRAFFIC
    if requests is None or errors is None or requests <= 0:
        return ErrorBudget(
            slo_pct=slo.availability_pct,
            requests=None,
            errors=None,
            allowed_errors=None,
            remaining=None,
            mark=Mark.UNKNOWN,
            missing=gone,
        )
    allowed = (1 - slo.availability_pct / 100) * requests
    remaining = 1 - errors / allowed if allowed > 0 else (1.0 if errors == 0 else 0.0)  # a 100 % SLO: none allowed
    six_h = next((b.rate for b in burns if b.window == "6h"), None)
    if remaining <= 0:
        mark = Mark.BREACH
    elif remaining < AT_RISK_BUDGET_LEFT or (six_h is not None and six_h > 1):
        mark = Mark.AT_RISK
    else:
        mark = Mark.PASS
    return ErrorBudget(
        slo_pct=slo.availability_pct,
        requests=requests,
        errors=errors,
        allowed_errors=allowed,
        remaining=remaining,
        mark=mark,
    )
