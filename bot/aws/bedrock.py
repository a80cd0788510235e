"""Bedrock Runtime gateway: the Converse API. Errors become :class:`bot.aws.AwsError` (code ``ThrottlingException`` …).

Each call names its time budget: the client it goes through makes one attempt (the analyzer retries throttling
itself, within its budget) with connect and read timeouts that fit in it — one client per whole second of budget,
cached. No ``endpoint_url``: ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME`` applies.
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any

from bot.aws.clients import failing_as

_lock = threading.Lock()
_clients: dict[tuple[str | None, float, str | None], Any] = {}


def bedrock_client(region: str | None = None, timeout_s: float = 20.0) -> Any:
    """A client whose one attempt ends within ``timeout_s`` (rounded up to a whole second): connecting takes at most a
    third of it, reading the answer the rest."""
    budget = max(1, math.ceil(timeout_s))
    key = (region, float(budget), os.environ.get("AWS_ACCESS_KEY_ID"))  # per credentials too, as bot.aws.clients
    with _lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            connect = min(2.0, budget / 3)
            config = Config(
                retries={"mode": "standard", "total_max_attempts": 1},
                connect_timeout=connect,
                read_timeout=max(0.5, budget - connect),
            )
            _clients[key] = boto3.session.Session().client("bedrock-runtime", region_name=region, config=config)
        return _clients[key]


def reset_bedrock_clients() -> None:
    with _lock:
        _clients.clear()


class BedrockGateway:
    def __init__(self, client: Any = None, *, region: str | None = None, timeout_s: float = 20.0) -> None:
        self._given = client
        self._region = region
        self._timeout_s = timeout_s

    @property
    def client(self) -> Any:
        return self._client_for(self._timeout_s)

    def _client_for(self, timeout_s: float) -> Any:
        return self._given if self._given is not None else bedrock_client(self._region, timeout_s)

    def converse(
        self,
        model_id: str,
        *,
        system: str,
        messages: list[dict[str, Any]],
        tool_config: dict[str, Any],
        max_tokens: int = 4096,
        timeout_s: float | None = None,
    ) -> dict[str, Any]:
        """One Converse attempt, over within ``timeout_s`` (default: the gateway's timeout)."""
        client = self._client_for(self._timeout_s if timeout_s is None else timeout_s)
        with failing_as("Converse"):
            return dict(
                client.converse(
                    modelId=model_id,
                    system=[{"text": system}],
                    messages=messages,
                    toolConfig=tool_config,
                    inferenceConfig={"maxTokens": max_tokens, "temperature": 0.0},
                )
            )
