"""What every rule needs besides the inputs: the service's SLO, prices, step limits, and a place for notes."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.analysis.estimates import window_words
from bot.analysis.prices import LambdaPrices, lambda_prices
from bot.settings import MaxStep, Pricing, Settings, Slo

PC_MAX_USD_PER_1000_COLD_STARTS = 1.0  # provisioned concurrency pays when a removed cold start costs at most this


@dataclass
class RuleContext:
    service: str
    slo: Slo
    pricing: Pricing
    max_step: MaxStep
    window_h: float = 24.0
    region: str = "us-east-1"
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
            region=settings.region,
        )

    @property
    def window(self) -> str:
        """The analysis window in a card's words ("last 24 h", "last 7 days")."""
        return window_words(self.window_h)

    def lambda_prices(self, architecture: str) -> LambdaPrices:
        return lambda_prices(self.region, architecture)

    def note(self, text: str) -> None:
        """Something a rule saw but could not act on (shown under the recommendations)."""
        if text not in self.notes:
            self.notes.append(text)
