"""Analysis types by the guide's names: ``/perf analyze lambda|dynamodb|apigw|cost|performance``.

Each is a named group of rules (kinds); ``cost`` keeps only proposals that lower the bill (memory down, PC down,
idle capacity down, cache off when unused), ``performance`` only those expected to make the service faster or more
available (not the pure savings).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.analysis.models import Recommendation


def _saves(rec: Recommendation) -> bool:
    cost = rec.impact.monthly_cost_delta_usd
    return cost is not None and cost < 0 and (rec.impact.p95_ms_delta or 0.0) >= 0


@dataclass(frozen=True)
class AnalysisGroup:
    name: str
    kinds: tuple[str, ...] | None  # None: every kind
    admits_rec: Callable[[Recommendation], bool] = lambda rec: True

    def admits(self, rec: Recommendation) -> bool:
        return (self.kinds is None or rec.kind in self.kinds) and self.admits_rec(rec)


GROUPS: dict[str, AnalysisGroup] = {
    group.name: group
    for group in (
        AnalysisGroup(
            "lambda", ("lambda_memory", "lambda_provisioned_concurrency", "scheduled_provisioned_concurrency")
        ),
        AnalysisGroup("dynamodb", ("dynamodb_capacity",)),  # also a word for dynamodb_capacity: the same rules
        AnalysisGroup("apigw", ("apigw_cache", "apigw_throttling")),
        AnalysisGroup("cost", None, _saves),
        AnalysisGroup("performance", None, lambda rec: not _saves(rec)),
    )
}


def find_group(name: str | None) -> AnalysisGroup | None:
    return GROUPS.get(name.lower()) if name else None
