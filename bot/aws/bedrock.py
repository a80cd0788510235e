"""Bedrock Runtime gateway: the Converse API. Errors become :class:`bot.aws.AwsError` (code ``ThrottlingException`` …).

The client gets its own botocore config: few SDK retries (the analyzer retries throttling within its own time budget)
and a read timeout no longer than that budget. No ``endpoint_url``: ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` applies.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from bot.aws.clients import failing_as

_lock = threading.Lock()
_clients: dict[tuple[str | None, float, str | None], Any] = {}


def bedrock_client(region: str | None = None, timeout_s: float = 20.0) -> Any:
    key = (region, timeout_s, os.environ.get("AWS_ACCESS_KEY_ID"))  # per credentials too, as bot.aws.clients.client
    with _lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(
                retries={"mode": "standard", "max_attempts": 2},
                connect_timeout=min(5.0, timeout_s),
                read_timeout=max(1.0, timeout_s / 2),  # two SDK attempts must fit in the analysis's time budget
            )
            _clients[key] = boto3.session.Session().client("bedrock-runtime", region_name=region, config=config)
        return _clients[key]


def reset_bedrock_clients() -> None:
    with _lock:
        _clients.clear()


class BedrockGateway:
    def __init__(self, client: Any = None, *, region: str | None = None, timeout_s: float = 20.0) -> None:
        self._client = client if client is not None else bedrock_client(region, timeout_s)

    @property
    def client(self) -> Any:
        return self._client

    def converse(
        self,
        model_id: str,
        *,
        system: str,
        messages: list[dict[str, Any]],
        tool_config: dict[str, Any],
        max_tokens: int = 4096,
    ) -> dict[str, Any]:
        with failing_as("Converse"):
            return dict(
                self._client.converse(
                    modelId=model_id,
                    system=[{"text": system}],
                    messages=messages,
                    toolConfig=tool_config,
                    inferenceConfig={"maxTokens": max_tokens, "temperature": 0.0},
                )
            )
