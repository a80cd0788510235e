"""What every rule needs besides the inputs: the service's SLO, prices, step limits, and a place for notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.settings import MaxStep, Pricing, Settings, Slo


@dataclass
class RuleContext:
    service: str
    slo: Slo
    pricing: Pricing
    max_step: MaxStep
    window_h: float = 24.0
    notes: list[str] = field(default_factory=list)

    @classmethod
    def for_service(cls, settings: Settings, service: str, window_h: float = 24.0) -> RuleContext:
        configured = settings.service(service)
        slo = settings.slo_for(configured) if configured else settings.slo
        return cls(
            service=service,
            slo=slo,
            pricing=settings.pricing,
            max_step=settings.changes.max_step,
            window_h=window_h,
        )

    def note(self, text: str) -> None:
        """Something a rule saw but could not act on (shown under the recommendations)."""
        self.notes.append(text)
