"""The deterministic rule engine: the offline default and the fallback whenever Bedrock cannot answer.

Each kind's rules (in its module under :mod:`bot.changes.kinds`) look at one resource, return at most one
Recommendation whose rationale quotes the numbers it used, and stay silent when a number they need was not measured.
Guardrails run afterwards, as for the model's output.
"""

from __future__ import annotations

from bot.analysis.inputs import ServiceInputs
from bot.analysis.models import Recommendation
from bot.analysis.rule_context import RuleContext
from bot.changes.kinds import all_kinds, kind_spec


def run_rules(inputs: ServiceInputs, ctx: RuleContext, kind: str | None = None) -> list[Recommendation]:
    """Every kind's rules over the service, in registry order; only ``kind``'s recommendations when given (every
    rule still runs, so its notes — e.g. "needs an alias first" — are said whatever the focus)."""
    if kind is not None:
        kind_spec(kind)  # an unknown kind is an error, not an empty answer
    found = [rec for spec in all_kinds() for rec in spec.rules(inputs, ctx)]
    return [rec for rec in found if kind is None or rec.kind == kind]
