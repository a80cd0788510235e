"""What a recommendation may target and propose, asked of each kind's spec (:mod:`bot.changes.kinds`): the live
configuration of every resource it may change, and AWS-valid values (its values model plus live checks such as
"never $LATEST" or "at most 27 DynamoDB decreases a day").
"""

from __future__ import annotations

from bot.analysis.inputs import ServiceInputs
from bot.analysis.models import Recommendation, Values
from bot.changes.kinds import ValueProblem, all_kinds, kind_spec

__all__ = ["ValueProblem", "check_values", "resource_targets"]


def resource_targets(inputs: ServiceInputs) -> dict[str, dict[str, Values]]:
    """kind → target → its live values, for every resource of the service that perfbot may change."""
    return {kind.name: kind.live_targets(inputs) for kind in all_kinds()}


def check_values(rec: Recommendation, inputs: ServiceInputs) -> None:
    """Raise :class:`ValueProblem` unless ``rec.proposed`` has the kind's shape and AWS-valid values."""
    kind_spec(rec.kind).check_values(rec.target, rec.proposed, inputs)
