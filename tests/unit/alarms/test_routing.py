"""Channel routing, service detection, severity and runbook links from perfbot.yml."""

from __future__ import annotations

from bot.alarms.intake import notifications
from bot.alarms.models import AlarmNotification
from bot.alarms.routing import channel_for, runbook_for, service_of, severity_of
from bot.settings import ChannelRoute, Settings, load_settings
from tests.conftest import load_event


def parsed(name: str) -> AlarmNotification:
    [item] = notifications(load_event(name))
    assert isinstance(item, AlarmNotification)
    return item


def settings_with(routes: list[ChannelRoute]) -> Settings:
    base = load_settings({})
    return base.model_copy(update={"slack": base.slack.model_copy(update={"routes": routes})})


def test_first_matching_route_wins_else_the_alarm_channel() -> None:
    settings = settings_with(
        [
            ChannelRoute(channel="#db", namespace="AWS/DynamoDB"),
            ChannelRoute(channel="#api-latency", service="monitoring-api", alarm_name="API-*"),
            ChannelRoute(channel="#composites", alarm_name="Smart-*"),
        ]
    )
    assert channel_for(parsed("alarms_sns_metric_math.json"), settings) == "#db"
    assert channel_for(parsed("alarms_sns_metric_alarm.json"), settings) == "#api-latency"
    assert channel_for(parsed("alarms_sns_composite.json"), settings) == "#composites"
    assert channel_for(parsed("alarms_sns_anomaly.json"), settings) == settings.slack.alarm_channel


def test_service_is_found_from_dimensions() -> None:
    settings = load_settings({})
    service = service_of(parsed("alarms_sns_anomaly.json"), settings)  # FunctionName monitoring-api-dev
    assert service is not None and service.name == "monitoring-api"
    assert service_of(parsed("alarms_sns_composite.json"), settings) is None


def test_severity() -> None:
    settings = load_settings({})
    assert severity_of(parsed("alarms_sns_metric_alarm.json"), settings) == "critical"
    assert severity_of(parsed("alarms_sns_anomaly.json"), settings) == "warning"
    assert severity_of(parsed("alarms_sns_metric_ok.json"), settings) == "ok"
    assert severity_of(parsed("alarms_sns_metric_insufficient_data.json"), settings) == "info"


def test_runbook_from_config_else_from_the_description() -> None:
    settings = load_settings({})
    assert (runbook_for(parsed("alarms_sns_metric_alarm.json"), settings) or "").endswith("runbooks/high-latency.md")
    composite = parsed("alarms_sns_composite.json").model_copy(
        update={"description": "Page the API team. Runbook: https://wiki.example.com/run/book?id=7&x=1."}
    )
    assert runbook_for(composite, settings) == "https://wiki.example.com/run/book?id=7&x=1"
    assert runbook_for(parsed("alarms_sns_composite.json"), settings) is None
