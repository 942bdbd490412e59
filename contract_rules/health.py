"""Account health: a 0-100 weighted mean of the parts that have data, with a tier.

Weights are re-normalised over the parts present, so a missing NPS survey neither drags the
score down nor props it up. NPS (-100..100) is mapped onto 0..100 before weighting.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contract_rules.money import HUNDRED, ZERO

_TENTH = Decimal("0.1")


class HealthPart(StrEnum):
    """The parts of the score (domain spec, "Health score")."""

    USAGE = "usage"
    SUPPORT = "support"
    NPS = "nps"
    FEEDBACK = "feedback"
    RENEWAL_HISTORY = "renewal_history"


class HealthTier(StrEnum):
    """Traffic-light tiers."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def _default_weights() -> dict[HealthPart, Decimal]:
    return {part: Decimal(1) for part in HealthPart}


class HealthSettings(BaseModel):
    """Weights per part and tier thresholds (green >= 70, yellow >= 40, else red)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    weights: dict[HealthPart, Decimal] = Field(default_factory=_default_weights)
    green_from: Decimal = Decimal(70)
    yellow_from: Decimal = Decimal(40)

    @model_validator(mode="after")
    def _sane(self) -> Self:
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("health weights cannot be negative")
        if not ZERO <= self.yellow_from <= self.green_from <= HUNDRED:
            raise ValueError("tiers need 0 <= yellow_from <= green_from <= 100")
        return self


@dataclass(frozen=True, slots=True)
class HealthSignals:
    """Each part already on 0..100, except `nps` on -100..100; None when there is no data."""

    usage: Decimal | None = None
    support: Decimal | None = None
    nps: Decimal | None = None
    feedback: Decimal | None = None
    renewal_history: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ScoredPart:
    """One part that had data: its 0..100 value and its re-normalised weight."""

    part: HealthPart
    value: Decimal
    weight: Decimal


@dataclass(frozen=True, slots=True)
class HealthScore:
    """The score (one decimal), its tier, and the parts it was made of."""

    score: Decimal
    tier: HealthTier
    parts: tuple[ScoredPart, ...]


def usage_part(active_seats: Decimal, licensed_seats: Decimal) -> Decimal | None:
    """Active / licensed seats on 0..100 (capped: over-use is not extra health)."""
    if licensed_seats <= 0:
        return None
    return min(HUNDRED, HUNDRED * active_seats / licensed_seats)


def nps_part(nps: Decimal) -> Decimal:
    """-100..100 onto 0..100."""
    return (nps + HUNDRED) / 2


def health_score(signals: HealthSignals, settings: HealthSettings) -> HealthScore | None:
    """The weighted mean over present parts, or None when no part has data (or weight)."""
    present = [(p, v) for p, v in _values(signals) if v is not None and settings.weights.get(p)]
    total = sum((settings.weights[p] for p, _ in present), ZERO)
    if not present or total == ZERO:
        return None
    parts = tuple(ScoredPart(p, v, settings.weights[p] / total) for p, v in present)
    score = sum((s.value * s.weight for s in parts), ZERO).quantize(_TENTH, ROUND_HALF_UP)
    return HealthScore(score, health_tier(score, settings), parts)


def health_tier(score: Decimal, settings: HealthSettings) -> HealthTier:
    """Green, yellow or red by the settings' thresholds."""
    if score >= settings.green_from:
        return HealthTier.GREEN
    return HealthTier.YELLOW if score >= settings.yellow_from else HealthTier.RED


def _values(signals: HealthSignals) -> tuple[tuple[HealthPart, Decimal | None], ...]:
    nps = None if signals.nps is None else _clamp(nps_part(signals.nps))
    return (
        (HealthPart.USAGE, _clamp(signals.usage)),
        (HealthPart.SUPPORT, _clamp(signals.support)),
        (HealthPart.NPS, nps),
        (HealthPart.FEEDBACK, _clamp(signals.feedback)),
        (HealthPart.RENEWAL_HISTORY, _clamp(signals.renewal_history)),
    )


def _clamp(value: Decimal | None) -> Decimal | None:
    return None if value is None else max(ZERO, min(HUNDRED, value))
