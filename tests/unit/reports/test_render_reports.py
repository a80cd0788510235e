"""Block Kit for the reports: within Slack's limits, outside text escaped, same digits as the terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from bot.reports.budget import budget, burn, multi_window
from bot.reports.common import Mark
from bot.reports.models import Measurement, ServiceSla, SlaReport
from bot.reports.text import sla_text
from bot.slack.render import reports as render

END = datetime(2026, 11, 26, 19, 5, tzinfo=UTC)


def _service(settings: Any, name: str) -> ServiceSla:
    slo = settings.slo
    rates = multi_window([burn(slo, "1h", 1000, 20, 14.4), burn(slo, "6h", 6000, 25, 6.0)])
    return ServiceSla(
        service=name,
        window="24h",
        requests=1000,
        errors_5xx=2,
        errors_4xx=5,
        measurements=[
            Measurement(
                key="availability", label="Availability", value=99.8, unit="%", objective="≥ 99.9 %", mark=Mark.BREACH
            ),
            Measurement(
                key="lambda_p95:f",
                label="Lambda f duration p95",
                value=None,
                unit="ms",
                objective="< 5000 ms",
                mark=Mark.UNKNOWN,
                missing="CloudWatch did not answer",
            ),
        ],
        burn_rates=rates,
        budget=budget(slo, 100_000, 40, rates, "gone"),
    )


def test_sla_blocks_fit_slack_with_many_services_and_escape_names(settings: Any) -> None:
    services = [_service(settings, f"svc-{n} <!channel>") for n in range(30)]
    report = SlaReport(window="24h", start=END, end=END, services=services, queries=180)
    blocks = render.sla_blocks(report)
    assert len(blocks) <= 50
    payload = json.dumps(blocks, ensure_ascii=False)
    assert "<!channel>" not in payload and "&lt;!channel&gt;" in payload
    assert "more:" in payload and "/perf sla &lt;service&gt;" in payload  # no raw <…> reaches Slack
    assert "n/a (CloudWatch did not answer)" in payload
    assert "99.800 %" in payload and "99.800 %" in sla_text(report)  # Slack and terminal show the same digits
    assert ":rotating_light: 1h: 20.00× — PAGE" in payload


def test_listener_module_keeps_the_ack_path_light() -> None:
    code = (
        "import sys, bot.slack.listeners.reports as m\n"
        "heavy = [n for n in ('bot.reports', 'bot.settings', 'boto3', 'botocore', 'pydantic') if n in sys.modules]\n"
        "from bot.slack import commands\n"
        "names = sorted(c.name for c in commands.registered())\n"
        "print(heavy, names)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] ['breaker', 'cost', 'metrics', 'sla', 'usage']"


def test_a_cost_estimate_from_no_metrics_is_missing_not_zero() -> None:
    from bot.reports.models import CostLine, CostReport, ServiceCost
    from bot.reports.text import cost_text

    at = datetime(2026, 11, 26, tzinfo=UTC)
    line = CostLine(item="API Gateway requests", quantity=0.0, unit="M requests", monthly_usd=0.0)
    empty = CostReport(
        start=at, end=at, services=[ServiceCost(service="monitoring-api", lines=[line], observed_hours=0)]
    )
    blocks = json.dumps(render.cost_blocks(empty))
    assert "$0.00" not in blocks and "$0.00" not in render.cost_text(empty) and "$0.00" not in cost_text(empty)
    assert "n/a (no metrics in the window)" in blocks and "no estimate" in blocks
    measured = ServiceCost(service="monitoring-api", lines=[line], observed_hours=24)
    assert "$0.00" in render.cost_text(CostReport(start=at, end=at, services=[measured]))  # measured zero is zero
