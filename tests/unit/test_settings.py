from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings


def test_shipped_config_describes_the_seed_service() -> None:
    settings = load_settings({})
    service = settings.service("monitoring-api")
    assert service is not None
    assert service.api is not None and (service.api.name, service.api.stage) == ("monitoring-api", "dev")
    assert [f.name for f in service.lambda_functions] == ["monitoring-api-dev"]
    assert [t.name for t in service.dynamodb_tables] == ["ApplicationMetrics-dev"]
    assert settings.slo.availability_pct == 99.9
    assert settings.slo.latency_ms == 500
    assert settings.slo.error_rate_pct == 0.1
    assert settings.slo.breaker_recovery_s == 60
    assert (settings.slo.apigw_p95_ms, settings.slo.lambda_p95_ms, settings.slo.dynamodb_p95_ms) == (
        100,
        5000,
        50,
    )
    assert settings.tables.state == "perfbot-dev-state"


def test_environment_wins_over_the_file() -> None:
    settings = load_settings(
        {
            "PERFBOT_STAGE": "prod",
            "PERFBOT_ALARM_CHANNEL": "#ops",
            "PERFBOT_APPROVERS": "U1, U2,,",
            "PERFBOT_ANALYZER": "bedrock",
            "PERFBOT_BEDROCK_MODEL_ID": "amazon.nova-pro-v1:0",
            "SLACK_API_URL": "http://127.0.0.1:1/api/",
            "PERFBOT_AUDIT_TABLE": "custom-audit",
        }
    )
    assert settings.stage == "prod"
    assert settings.slack.alarm_channel == "#ops"
    assert settings.approvers.users == ["U1", "U2"]
    assert settings.analysis.analyzer == "bedrock"
    assert settings.analysis.bedrock_model_id == "amazon.nova-pro-v1:0"
    assert settings.slack.api_url == "http://127.0.0.1:1/api/"
    assert settings.tables.state == "perfbot-prod-state"
    assert settings.tables.audit == "custom-audit"


def test_unknown_analyzer_is_a_clear_error() -> None:
    with pytest.raises(SettingsError, match="analyzer"):
        load_settings({"PERFBOT_ANALYZER": "gpt"})


def test_unknown_key_in_file_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "perfbot.yml"
    config.write_text("stage: dev\nslack:\n  alarm_chanel: '#typo'\n")
    with pytest.raises(SettingsError, match="alarm_chanel"):
        load_settings({"PERFBOT_CONFIG": str(config)})


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings({"PERFBOT_CONFIG": str(tmp_path / "nope.yml")})
    bad = tmp_path / "bad.yml"
    bad.write_text("services: [unclosed\n")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load_settings({"PERFBOT_CONFIG": str(bad)})
