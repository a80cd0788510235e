"""What the two API Gateway stage kinds (cache, throttling) share: ``api/stage`` targets and a stage to patch."""

from __future__ import annotations

from bot.aws.apigateway import ApiGatewayGateway
from bot.changes.kinds.handler import ChangeHandler, InvalidChange


def split_stage(target: str) -> tuple[str, str]:
    """``api-name/stage`` → (api name, stage)."""
    api, _, stage = target.rpartition("/")
    if not api or not stage:
        raise InvalidChange(f"an API Gateway target is 'api/stage', got {target!r}")
    return api, stage


class StageHandler(ChangeHandler):
    """Find the stage, patch it."""

    def __init__(self, gateway: ApiGatewayGateway | None = None) -> None:
        self._apigw = gateway or ApiGatewayGateway()

    def _api_id(self, target: str) -> tuple[str, str]:
        """The configured API's id (perfbot.yml ``api.id``, the one IAM lets perfbot change); found by name only
        where none is configured (IAM then refuses the change: nothing unconfigured is changed)."""
        from bot.settings import get_settings

        api, stage = split_stage(target)
        configured = next(
            (s.api.id for s in get_settings().services if s.api and s.api.name == api and s.api.stage == stage), None
        )
        api_id = configured or self._apigw.find_rest_api(api)
        if api_id is None:
            raise InvalidChange(f"no REST API named {api!r}")
        return api_id, stage
