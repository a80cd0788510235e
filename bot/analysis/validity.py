"""AWS-valid values per kind and the live configuration of every resource a recommendation may target.

Limits (AWS docs, see DESIGN.md): Lambda memory 128–10,240 MB; provisioned concurrency ≥ 1 on an alias or published
version, never ``$LATEST``, within reserved concurrency; API Gateway cache clusters 0.5 … 237 GB, TTL 0–3600 s;
stage throttling positive and within the account defaults (10,000 rps / 5,000 burst); DynamoDB capacity ≥ 1 and at
most 27 decreases a day.
"""

from __future__ import annotations

from bot.analysis.inputs import ServiceInputs
from bot.analysis.models import Recommendation, Values

CACHE_SIZES_GB = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
LAMBDA_MEMORY_MB = (128, 10240)
CACHE_TTL_S = (0, 3600)
ACCOUNT_RATE_LIMIT = 10000.0
ACCOUNT_BURST_LIMIT = 5000
TABLE_UNITS = (1, 40000)  # the default per-table quota
MAX_DECREASES_PER_DAY = 27
BREAKER_FAILURES = (1, 50)
BREAKER_TIMEOUT_S = (5.0, 600.0)
BREAKER_HALF_OPEN = (1, 10)

SHAPES: dict[str, set[str]] = {
    "lambda_memory": {"memory_mb"},
    "lambda_provisioned_concurrency": {"units"},
    "apigw_cache": {"enabled", "cluster_size_gb", "ttl_s"},
    "apigw_throttling": {"rate_limit", "burst_limit"},
    "dynamodb_capacity": {"read_units", "write_units"},
    "breaker_thresholds": {"failure_threshold", "open_timeout_s", "half_open_success_threshold"},
}


class ValueProblem(ValueError):
    """A proposed value AWS (or common sense, for breakers) would not accept."""


def resource_targets(inputs: ServiceInputs) -> dict[str, dict[str, Values]]:
    """kind → target → its live values, for every resource of the service that perfbot may change."""
    targets: dict[str, dict[str, Values]] = {kind: {} for kind in SHAPES}
    for fn in inputs.lambdas:
        targets["lambda_memory"][fn.name] = {"memory_mb": fn.memory_mb}
        if fn.alias:
            targets["lambda_provisioned_concurrency"][fn.qualified_name] = {"units": fn.provisioned_units or 0}
    if inputs.api is not None:
        api = inputs.api
        targets["apigw_cache"][api.target] = {
            "enabled": api.cache_enabled,
            "cluster_size_gb": api.cache_size_gb or "",
            "ttl_s": api.cache_ttl_s or 0,
        }
        targets["apigw_throttling"][api.target] = {
            "rate_limit": float(api.throttle_rate if api.throttle_rate is not None else ACCOUNT_RATE_LIMIT),
            "burst_limit": int(api.throttle_burst if api.throttle_burst is not None else ACCOUNT_BURST_LIMIT),
        }
    for table in inputs.tables:
        if table.provisioned:
            targets["dynamodb_capacity"][table.name] = {
                "read_units": table.read_units,
                "write_units": table.write_units,
            }
    if inputs.breaker is not None:
        b = inputs.breaker
        targets["breaker_thresholds"][b.key] = {
            "failure_threshold": b.failure_threshold,
            "open_timeout_s": b.open_timeout_s,
            "half_open_success_threshold": b.half_open_success_threshold,
        }
    return targets


def _int(values: Values, key: str, low: int, high: int) -> int:
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueProblem(f"{key} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueProblem(f"{key} {value} is outside {low}–{high}")
    return int(value)


def _number(values: Values, key: str, low: float, high: float) -> float:
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueProblem(f"{key} must be a number, got {value!r}")
    if not low <= value <= high:
        raise ValueProblem(f"{key} {value} is outside {low:g}–{high:g}")
    return float(value)


def check_values(rec: Recommendation, inputs: ServiceInputs) -> None:
    """Raise :class:`ValueProblem` unless ``rec.proposed`` has the kind's shape and AWS-valid values."""
    new = rec.proposed
    if set(new) != SHAPES[rec.kind]:
        raise ValueProblem(f"{rec.kind} values must be exactly {sorted(SHAPES[rec.kind])}, got {sorted(new)}")
    if rec.kind == "lambda_memory":
        _int(new, "memory_mb", *LAMBDA_MEMORY_MB)
    elif rec.kind == "lambda_provisioned_concurrency":
        _check_provisioned(rec, inputs)
    elif rec.kind == "apigw_cache":
        if not isinstance(new["enabled"], bool):
            raise ValueProblem(f"enabled must be true or false, got {new['enabled']!r}")
        _int(new, "ttl_s", *CACHE_TTL_S)
        if new["enabled"] and new["cluster_size_gb"] not in CACHE_SIZES_GB:
            raise ValueProblem(f"cache cluster size {new['cluster_size_gb']!r} GB is not one of {CACHE_SIZES_GB}")
    elif rec.kind == "apigw_throttling":
        _number(new, "rate_limit", 1, ACCOUNT_RATE_LIMIT)
        _int(new, "burst_limit", 1, ACCOUNT_BURST_LIMIT)
    elif rec.kind == "dynamodb_capacity":
        reads, writes = _int(new, "read_units", *TABLE_UNITS), _int(new, "write_units", *TABLE_UNITS)
        table = next(t for t in inputs.tables if t.name == rec.target)
        decreasing = reads < table.read_units or writes < table.write_units
        if decreasing and table.decreases_today >= MAX_DECREASES_PER_DAY:
            raise ValueProblem(f"{table.name} already had {table.decreases_today} capacity decreases today")
    else:
        _int(new, "failure_threshold", *BREAKER_FAILURES)
        _number(new, "open_timeout_s", *BREAKER_TIMEOUT_S)
        _int(new, "half_open_success_threshold", *BREAKER_HALF_OPEN)


def _check_provisioned(rec: Recommendation, inputs: ServiceInputs) -> None:
    units = _int(rec.proposed, "units", 1, 100000)
    name, _, qualifier = rec.target.partition(":")
    fn = next(f for f in inputs.lambdas if f.name == name)
    if not qualifier or qualifier.upper() == "$LATEST" or (fn.alias_version or "$LATEST").upper() == "$LATEST":
        raise ValueProblem("provisioned concurrency needs an alias on a published version, never $LATEST")
    if fn.reserved_concurrency is not None and units > fn.reserved_concurrency:
        raise ValueProblem(f"{units} units exceed the reserved concurrency of {fn.reserved_concurrency}")
