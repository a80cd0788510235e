"""P3 — AWS API calls made by one `/perf sla` over every configured service (goal: exactly 1 GetMetricData).

Runs the real path (signed request → handlers.slack.handler → lazy listener → CloudWatch on the devstack) with a
configuration of SERVICES services, counting every AWS operation with botocore's ``before-call`` event hook on
every client created in the process.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from devstack import lambdas, slack_requests
from devstack.stack import Devstack

SERVICES = 10
ROOT = Path(__file__).resolve().parent.parent


def _config(directory: str) -> Path:
    """The shipped perfbot.yml with monitoring-api plus copies, each with its own API, function, table and breaker."""
    raw = yaml.safe_load((ROOT / "perfbot.yml").read_text(encoding="utf-8"))
    seed = raw["services"][0]
    services = [seed]
    for n in range(2, SERVICES + 1):
        name = f"{seed['name']}-{n:02d}"
        services.append(
            {
                "name": name,
                "api": {"name": name, "stage": "dev"},
                "lambda_functions": [{"name": f"{name}-fn"}],
                "dynamodb_tables": [{"name": f"{name}-table"}],
                "breaker_key": name,
            }
        )
    raw["services"] = services
    path = Path(directory) / "perfbot.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def _count_calls(counter: Counter[str]) -> Any:
    """Register the counting hook on every botocore client created from now on; returns the undo function."""
    import botocore.session

    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        made = original(self, *args, **kwargs)

        def count(model: Any, **_: Any) -> None:
            counter[f"{made.meta.service_model.service_id}:{model.name}"] += 1

        made.meta.events.register("before-call.*.*", count)
        return made

    botocore.session.Session.create_client = create_client

    def undo() -> None:
        botocore.session.Session.create_client = original

    return undo


def _some_traffic(endpoint: str) -> None:
    import boto3

    cw = boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1")
    when = datetime.now(UTC) - timedelta(minutes=30)
    for n in range(1, SERVICES + 1):
        api = "monitoring-api" if n == 1 else f"monitoring-api-{n:02d}"
        cw.put_metric_data(
            Namespace="AWS/ApiGateway",
            MetricData=[
                {
                    "MetricName": "Count",
                    "Dimensions": [{"Name": "ApiName", "Value": api}],
                    "Timestamp": when,
                    "Value": 100.0,
                },
                {
                    "MetricName": "Latency",
                    "Dimensions": [{"Name": "ApiName", "Value": api}],
                    "Timestamp": when,
                    "Values": [40.0, 80.0],
                },
            ],
        )


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as directory:
        saved = os.environ.get("PERFBOT_CONFIG")
        os.environ["PERFBOT_CONFIG"] = str(_config(directory))
        try:
            return _measure()
        finally:
            if saved is None:
                os.environ.pop("PERFBOT_CONFIG", None)
            else:
                os.environ["PERFBOT_CONFIG"] = saved


def _measure() -> list[str]:
    from bot.aws.clients import reset_clients
    from bot.bootstrap import bootstrap
    from bot.settings import get_settings, reset_settings

    with Devstack() as stack:
        reset_settings()
        bootstrap(get_settings())
        _some_traffic(stack.aws.endpoint_url)
        channel_id = stack.slack.channel_id("#perf-alerts")
        body = slack_requests.slash_command_body(
            "sla",
            user_id="U0BENCH",
            channel_id=channel_id,
            response_url=stack.slack.response_url(channel_id, "U0BENCH"),
        )
        counter: Counter[str] = Counter()
        reset_clients()  # every client of the measured request is created under the hook
        undo = _count_calls(counter)
        try:
            lambdas.invoke("slack", slack_requests.signed_event(body, stack.signing_secret))  # lazy work included
        finally:
            undo()
            reset_clients()
        report = stack.slack.messages("#perf-alerts")[-1].plain_text()
    services_shown = sum(1 for n in range(2, SERVICES + 1) if f"monitoring-api-{n:02d}" in report) + 1
    gmd = counter.pop("CloudWatch:GetMetricData", 0)
    other_cw = sum(v for k, v in counter.items() if k.startswith("CloudWatch:"))
    rest = ", ".join(f"{k}={v}" for k, v in sorted(counter.items()) if not k.startswith("CloudWatch:")) or "none"
    queries = _queries_per_report()
    met = "meets goal" if gmd == 1 and other_cw == 0 and services_shown == SERVICES else "MISSES goal"
    return [
        f"P3 AWS calls for one /perf sla over {SERVICES} services: GetMetricData={gmd}, other={other_cw} "
        f"(goal: 1 GetMetricData, {met})",
        f"   other = other CloudWatch calls; outside CloudWatch: {rest} (every breaker's state in one query)",
        f"   that one call carried {queries} metric queries: 1/{queries} = {1 / queries:.3f}× the calls of fetching "
        f"each number on its own; report showed {services_shown}/{SERVICES} services",
    ]


def _queries_per_report() -> int:
    from bot.reports.sla import plan_sla
    from bot.settings import get_settings

    settings = get_settings()
    return len(plan_sla(settings, list(settings.services), "24h").queries)
