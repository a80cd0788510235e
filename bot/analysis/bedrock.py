"""The Bedrock analyzer: one Converse call (retried on throttling within a time budget) behind a circuit breaker.

The budget is ``analysis.bedrock_timeout_s``, and never more than the Lambda invocation has left minus the time the
rule-engine fallback needs to reach Slack (:data:`FALLBACK_RESERVE_S`, at most a third of what is left): a model that
never answers costs that budget, not the function's timeout, and the user still gets the rules' answer.

It only parses: every item of the model's answer becomes a Recommendation or a dropped entry with the reason;
the guardrails decide afterwards. Any failure raises :class:`BedrockUnavailable`, and the analyzer falls back to
the rule engine. Latency, token use, throttles and failures are recorded as CloudWatch EMF metrics.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bot import invocation
from bot.analysis.inputs import ServiceInputs
from bot.analysis.models import DroppedRecommendation, Recommendation
from bot.analysis.prompt import MAX_RECOMMENDATIONS, TOOL_NAME, system_prompt, tool_config, user_message
from bot.aws.bedrock import BedrockGateway
from bot.aws.clients import AwsError
from bot.breaker import AdaptiveCircuitBreaker, BreakerStore, BreakerStoreError, CircuitOpenError
from bot.changes.kinds import find_kind
from bot.settings import Settings

logger = logging.getLogger(__name__)

THROTTLED = {"ThrottlingException", "TooManyRequestsException", "ServiceUnavailableException"}
BACKOFF_BASE_S = 0.5
BREAKER_FAILURES = 3  # consecutive failed analyses before perfbot stops asking the model for a while
BREAKER_OPEN_S = 300.0
MAX_ABS_NUMBER = 1e9  # no value or estimate perfbot deals in comes near this: larger is not an answer, it is noise
UNUSABLE_NUMBER = "not a usable number"
FALLBACK_RESERVE_S = 5.0  # what the rule engine and posting its answer need after the model gave up
MIN_CALL_S = 0.5  # less than this left for the model: do not ask it at all


def converse_failure(code: str) -> str:
    """``Converse failed (AccessDeniedException)`` / ``Converse failed (HTTP 500)`` — never the error's body."""
    word = code if code.isidentifier() else f"HTTP {code}" if code.isdigit() else "an unexpected error"
    return f"Converse failed ({word})"


class BedrockUnavailable(Exception):
    """Bedrock could not answer usefully (throttled, timed out, circuit open, no tool answer)."""


@dataclass
class ModelAnswer:
    recommendations: list[Recommendation] = field(default_factory=list)
    dropped: list[DroppedRecommendation] = field(default_factory=list)
    model_id: str = ""


def _record_metrics(model_id: str, **values: float) -> None:
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    from bot.observability import metrics_namespace

    metrics = EphemeralMetrics(namespace=metrics_namespace(), service="analysis")
    metrics.add_dimension(name="model", value=model_id)
    for name, value in values.items():
        unit = MetricUnit.Milliseconds if name.endswith("Latency") else MetricUnit.Count
        metrics.add_metric(name=name, unit=unit, value=value)
    metrics.flush_metrics()


def parse_answer(response: dict[str, Any], inputs: ServiceInputs, model_id: str) -> ModelAnswer:
    """The tool call's items as Recommendations; malformed items are dropped with the validation error."""
    content = ((response.get("output") or {}).get("message") or {}).get("content") or []
    calls = [c["toolUse"] for c in content if isinstance(c, dict) and isinstance(c.get("toolUse"), dict)]
    call = next((c for c in calls if c.get("name") == TOOL_NAME), None)
    if call is None:
        raise BedrockUnavailable(
            f"the model answered without calling {TOOL_NAME} (stopReason {response.get('stopReason')})"
        )
    items = (call.get("input") or {}).get("recommendations") if isinstance(call.get("input"), dict) else None
    if not isinstance(items, list):
        raise BedrockUnavailable("the model's tool input has no recommendations list")
    answer = ModelAnswer(model_id=model_id)
    for index, item in enumerate(items):
        if index >= MAX_RECOMMENDATIONS:
            answer.dropped.append(_malformed(item, model_id, f"more than {MAX_RECOMMENDATIONS} recommendations"))
            continue
        if not isinstance(item, dict):
            answer.dropped.append(_malformed(item, model_id, "not an object"))
            continue
        bad_number = _unusable_number(item)
        if bad_number is not None:
            named = {k: item.get(k) for k in ("kind", "target")}  # its values are what is broken: not kept
            answer.dropped.append(_malformed(named, model_id, f"{UNUSABLE_NUMBER}: {bad_number}"))
            continue
        data = {k: v for k, v in item.items() if k not in ("risk", "source")}  # code sets these, never the model
        _canonical_values(data)
        data.setdefault("service", inputs.service)
        try:
            answer.recommendations.append(Recommendation.model_validate({**data, "source": model_id}))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
            answer.dropped.append(_malformed(item, model_id, f"malformed: {problems}"))
    for dropped in answer.dropped:
        logger.warning(
            "model_recommendation_dropped",
            extra={"kind": dropped.kind, "target": dropped.target, "source": model_id, "reason": dropped.reason},
        )
    if items and not answer.recommendations and all(UNUSABLE_NUMBER in d.reason for d in answer.dropped):
        reasons = "; ".join(d.reason for d in answer.dropped[:3])
        raise BedrockUnavailable(f"the model's answer had no usable recommendation ({reasons})")
    return answer


def _unusable_number(value: object, path: str = "") -> str | None:
    """Where ``value`` holds NaN, an infinity or an absurdly large number (JSON lets a model write all three), as
    ``"proposed.memory_mb is nan"``; None when every number in it is finite and sane."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        finite = isinstance(value, int) or math.isfinite(value)
        return None if finite and abs(value) <= MAX_ABS_NUMBER else f"{path or 'value'} is {str(value)[:24]}"
    if isinstance(value, dict):
        children: list[tuple[str, object]] = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        children = [(str(i), v) for i, v in enumerate(value)]
    else:
        return None
    for key, child in children:
        found = _unusable_number(child, f"{path}.{key}" if path else key)
        if found is not None:
            return found
    return None


def _canonical_values(data: dict[str, Any]) -> None:
    """The kind's own spelling of the values (e.g. a cache size ``0.5`` → ``"0.5"``), before anything compares them."""
    kind = find_kind(str(data.get("kind")))
    if kind is None:
        return  # refused when the item is parsed
    for key in ("current", "proposed"):
        if isinstance(data.get(key), dict):
            data[key] = kind.canonical(data[key])


def _malformed(item: object, model_id: str, reason: str) -> DroppedRecommendation:
    raw = item if isinstance(item, dict) else {}
    proposed = raw.get("proposed") if isinstance(raw.get("proposed"), dict) else {}
    return DroppedRecommendation(
        kind=str(raw.get("kind", "?"))[:64],
        target=str(raw.get("target", "?"))[:200],
        source=model_id,
        reason=reason,
        proposed=dict(proposed or {}),
    )


class BedrockAnalyzer:
    def __init__(
        self,
        settings: Settings,
        *,
        gateway: BedrockGateway | None = None,
        store: BreakerStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        remaining: Callable[[], float | None] = invocation.remaining_s,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._remaining = remaining
        self.model_id = settings.analysis.bedrock_model_id
        self.timeout_s = settings.analysis.bedrock_timeout_s
        self.gateway = gateway or BedrockGateway(region=settings.region, timeout_s=self.timeout_s)
        if store is None:
            from bot.breaker import DynamoBreakerStore

            store = DynamoBreakerStore(settings.tables.state)
        self.breaker = AdaptiveCircuitBreaker(
            settings.analysis.bedrock_breaker_key,
            store,
            failure_threshold=BREAKER_FAILURES,
            open_timeout_s=BREAKER_OPEN_S,
            half_open_success_threshold=1,
        )

    def analyze(
        self, inputs: ServiceInputs, *, kind: str | None = None, context_text: str | None = None
    ) -> ModelAnswer:
        budget = self.budget_s()  # no time left is no fault of the model: the breaker does not count it
        try:
            if not self.breaker.allow_request():
                raise CircuitOpenError(self.breaker.status())
        except CircuitOpenError as exc:
            raise BedrockUnavailable(f"circuit open after repeated failures ({exc})") from exc
        except BreakerStoreError as exc:
            logger.warning("bedrock_breaker_unreadable", extra={"error": str(exc)})
        try:
            response = self._converse(inputs, kind, context_text, budget)
            answer = parse_answer(response, inputs, self.model_id)
        except BedrockUnavailable as exc:
            self._failed(str(exc))
            raise
        self._safely(self.breaker.record_success)
        return answer

    def _failed(self, reason: str) -> None:
        logger.warning("bedrock_unavailable", extra={"reason": reason, "model": self.model_id})
        _record_metrics(self.model_id, BedrockFailures=1)
        self._safely(self.breaker.record_failure)

    @staticmethod
    def _safely(action: Any) -> None:
        try:
            action()
        except BreakerStoreError as exc:  # the breaker is protection, not a dependency of the answer
            logger.warning("bedrock_breaker_unwritable", extra={"error": str(exc)})

    def budget_s(self) -> float:
        """The time the model may take: its configured timeout, within what the invocation has left after keeping
        enough for the fallback. BedrockUnavailable when that leaves too little to ask at all."""
        left = self._remaining()
        if left is None:
            return self.timeout_s
        available = left - min(FALLBACK_RESERVE_S, left / 3)
        if available < MIN_CALL_S:
            raise BedrockUnavailable(f"only {left:.1f} s of the invocation left, too little to ask the model")
        return min(self.timeout_s, available)

    def _converse(
        self, inputs: ServiceInputs, kind: str | None, context_text: str | None, budget: float
    ) -> dict[str, Any]:
        message = user_message(inputs, self.settings, kind=kind, context_text=context_text)
        deadline = self._clock() + budget
        attempts = max(1, self.settings.analysis.bedrock_max_attempts)
        for attempt in range(attempts):
            started = self._clock()
            try:
                response = self.gateway.converse(
                    self.model_id,
                    system=system_prompt(),
                    messages=[{"role": "user", "content": [{"text": message}]}],
                    tool_config=tool_config(),
                    timeout_s=max(MIN_CALL_S, deadline - started),
                )
            except AwsError as exc:
                if exc.code not in THROTTLED:
                    # one line for the user; AWS's message (an HTML error page, say) goes to the log only
                    logger.warning(
                        "bedrock_converse_failed",
                        extra={"error": str(exc), "code": exc.code, "request_id": exc.request_id},
                    )
                    raise BedrockUnavailable(converse_failure(exc.code)) from exc
                _record_metrics(self.model_id, BedrockThrottles=1)
                pause = min(BACKOFF_BASE_S * 2**attempt, 8.0) * (0.5 + random.random() / 2)  # noqa: S311 — jitter
                if attempt + 1 >= attempts or self._clock() + pause >= deadline:
                    raise BedrockUnavailable(f"throttled ({exc.code}) after {attempt + 1} attempt(s)") from exc
                self._sleep(pause)
                continue
            usage = response.get("usage") or {}
            _record_metrics(
                self.model_id,
                BedrockLatency=(self._clock() - started) * 1000,
                BedrockInputTokens=float(usage.get("inputTokens", 0)),
                BedrockOutputTokens=float(usage.get("outputTokens", 0)),
            )
            if self._clock() > deadline:
                raise BedrockUnavailable(f"answer took longer than the {budget:.0f} s budget")
            return response
        raise BedrockUnavailable("no attempt left")  # pragma: no cover — the loop returns or raises
