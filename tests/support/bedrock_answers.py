"""Realistic Converse responses (the shape Bedrock returns for a forced tool call) for the analyzer's tests."""

from __future__ import annotations

from typing import Any

from bot.analysis.prompt import TOOL_NAME

MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def converse_response(items: Any, *, stop_reason: str = "tool_use", text: str | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if text is not None:
        content.append({"text": text})
    if items is not None:
        content.append(
            {
                "toolUse": {
                    "toolUseId": "tooluse_kR5x0n2PQe2V9nZ1",
                    "name": TOOL_NAME,
                    "input": {"recommendations": items},
                }
            }
        )
    return {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop_reason,
        "usage": {"inputTokens": 2811, "outputTokens": 412, "totalTokens": 3223},
        "metrics": {"latencyMs": 3120},
    }


def memory_item(memory_mb: Any = 1536, **changes: Any) -> dict[str, Any]:
    item = {
        "kind": "lambda_memory",
        "target": "monitoring-api-dev",
        "current": {"memory_mb": 1024},
        "proposed": {"memory_mb": memory_mb},
        "rationale": "p95 duration 540 ms with 85 % CPU time; more memory adds CPU.",
        "impact": {"p95_ms_delta": -180, "monthly_cost_delta_usd": 4.2, "summary": "faster"},
        "confidence": 0.7,
    }
    return item | changes
