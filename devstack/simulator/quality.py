"""The rule engine against the labelled corpus: recall, harmful proposals, estimates within the impact band of the
simulated truth, and AWS-valid values — in memory (:mod:`devstack.simulator.offline`), one simulated day each.

- recall: expected recommendations found / expected recommendations;
- harmful: proposals that match a scenario's ``forbidden`` kinds or directions (must be 0);
- estimates in band: of the estimates a scenario holds to the truth (net monthly bill change, p95 change of the
  expected recommendations), those within ±25 % of the simulated truth or within the floor ($1/month, 2 ms);
- AWS-valid: recommendations the guardrails accept (kind shape, AWS ranges, live checks, step limits).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.analysis.guardrails import apply_guardrails
from bot.analysis.models import Recommendation
from bot.analysis.rule_context import RuleContext
from bot.analysis.rules import run_rules
from bot.settings import Settings, load_settings
from devstack.simulator.analysis_scenarios import CORPUS, AnalysisScenario
from devstack.simulator.offline import SERVICE, simulated_inputs, simulated_minutes
from devstack.simulator.truth import simulated_truth

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # a fixed day: the simulator is deterministic per scenario and end
BAND = 0.25
COST_FLOOR_USD = 1.0
P95_FLOOR_MS = 2.0
LAYER = {"lambda_memory": "Lambda"}  # every other kind's p95 is the API's


@dataclass
class ScenarioOutcome:
    name: str
    recommendations: list[Recommendation]
    notes: list[str]
    missing: list[str] = field(default_factory=list)
    harmful: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    note_missing: bool = False
    estimates: list[tuple[str, float | None, float | None, bool]] = field(default_factory=list)  # what, est, truth, ok


@dataclass
class Quality:
    outcomes: list[ScenarioOutcome]
    expected: int
    found: int
    proposals: int
    valid: int

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    @property
    def harmful(self) -> int:
        return sum(len(o.harmful) for o in self.outcomes)

    @property
    def estimates(self) -> list[tuple[str, float | None, float | None, bool]]:
        return [e for o in self.outcomes for e in o.estimates]

    @property
    def in_band(self) -> float:
        checked = self.estimates
        return sum(1 for e in checked if e[3]) / len(checked) if checked else 1.0

    @property
    def aws_valid(self) -> float:
        return self.valid / self.proposals if self.proposals else 1.0

    def lines(self) -> list[str]:
        return [
            f"Q1 recall: {self.found}/{self.expected} expected recommendations found ({self.recall:.0%}, goal ≥ 95 %)",
            f"Q2 harmful: {self.harmful} proposals of a forbidden kind or direction (goal 0)",
            f"Q3 estimates: {sum(1 for e in self.estimates if e[3])}/{len(self.estimates)} within ±25 % of the "
            f"simulated truth ({self.in_band:.0%}, goal ≥ 90 %)",
            f"Q4 AWS-valid: {self.valid}/{self.proposals} proposed values accepted by the guardrails "
            f"({self.aws_valid:.0%}, goal 100 %)",
        ]


def _within(estimate: float | None, truth: float | None, floor: float) -> bool:
    if estimate is None or truth is None:
        return False
    return abs(estimate - truth) <= max(BAND * abs(truth), floor)


def evaluate_scenario(entry: AnalysisScenario, settings: Settings, *, with_truth: bool = True) -> ScenarioOutcome:
    minutes = simulated_minutes(entry.scenario, NOW)
    inputs = simulated_inputs(entry.scenario, NOW, minutes)
    ctx = RuleContext.for_service(settings, SERVICE, inputs.window_h)
    found = run_rules(inputs, ctx)
    checked = apply_guardrails(found, inputs, settings.changes.max_step, pending_fingerprints=set())
    outcome = ScenarioOutcome(entry.name, checked.accepted, inputs.notes + ctx.notes)
    outcome.invalid = [f"{d.kind} {d.target}: {d.reason}" for d in checked.dropped]
    triples = [(r.kind, dict(r.current), dict(r.proposed)) for r in found]
    for expected in entry.expected:
        if not any(expected.matches(*t) for t in triples):
            outcome.missing.append(str(expected))
    for forbidden in entry.forbidden:
        outcome.harmful += [f"{t[0]} {t[2]}" for t in triples if forbidden.matches(*t)]
    allowed = {e.kind for e in entry.expected} | set(entry.tolerated)
    outcome.unexpected = [f"{t[0]} {t[2]}" for t in triples if t[0] not in allowed]
    outcome.note_missing = bool(entry.note) and not any(entry.note in n for n in outcome.notes)
    if not with_truth:
        return outcome
    for rec in found if entry.impact else []:  # no estimate held to the truth: nothing to re-simulate
        if not any(e.matches(rec.kind, dict(rec.current), dict(rec.proposed)) for e in entry.expected):
            continue
        layer = LAYER.get(rec.kind, "API")
        truth = simulated_truth(entry.scenario, NOW, rec.kind, dict(rec.proposed), layer, settings.pricing, minutes)
        if "cost" in entry.impact:
            est = rec.impact.monthly_cost_delta_usd
            outcome.estimates.append(
                (f"{rec.kind} $", est, truth.cost_delta, _within(est, truth.cost_delta, COST_FLOOR_USD))
            )
        if "p95" in entry.impact:
            est = rec.impact.p95_ms_delta
            outcome.estimates.append(
                (f"{rec.kind} p95", est, truth.p95_delta, _within(est, truth.p95_delta, P95_FLOOR_MS))
            )
    return outcome


def evaluate(
    corpus: tuple[AnalysisScenario, ...] = CORPUS, settings: Settings | None = None, *, with_truth: bool = True
) -> Quality:
    settings = settings or load_settings({})
    outcomes = [evaluate_scenario(entry, settings, with_truth=with_truth) for entry in corpus]
    expected = sum(len(entry.expected) for entry in corpus)
    missing = sum(len(o.missing) for o in outcomes)
    proposals = sum(len(o.recommendations) + len(o.invalid) for o in outcomes)
    valid = sum(len(o.recommendations) for o in outcomes)
    return Quality(outcomes, expected, expected - missing, proposals, valid)


def main() -> None:
    quality = evaluate()
    for o in quality.outcomes:
        flags = [
            f"missing {o.missing}" if o.missing else "",
            f"HARMFUL {o.harmful}" if o.harmful else "",
            f"unexpected {o.unexpected}" if o.unexpected else "",
            f"invalid {o.invalid}" if o.invalid else "",
            "note missing" if o.note_missing else "",
        ]
        print(f"{o.name}: {[(r.kind, r.proposed) for r in o.recommendations]} {' '.join(f for f in flags if f)}")
        for e in o.estimates:
            truth = e[2] if e[2] is None else round(e[2], 2)
            print(f"    {e[0]}: estimate {e[1]} truth {truth} {'ok' if e[3] else 'OUT'}")
    print("\n".join(quality.lines()))


if __name__ == "__main__":
    main()
