"""Account roll-ups: health signals from raw facts, annual recurring value, renewal history.

Pure like the rest of the package: the pipeline passes what it read (cases, NPS and
feedback answers, seats, contracts) and the day; nothing here reads a clock. The support,
feedback and renewal-history formulas are choices the domain spec leaves open; docs/rules.md
states them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from contract_rules.contracts import Contract, ContractState
from contract_rules.health import HealthSignals, usage_part
from contract_rules.model import RECURRING_KINDS, BrickKind
from contract_rules.money import HUNDRED, ZERO, to_cents
from contract_rules.settings import RuleSettings
from contract_rules.spend import ledger_line

ONE_YEAR = Decimal(1)
_OPEN_CASE_PENALTY = Decimal(10)
_HIGH_PRIORITY_PENALTY = Decimal(15)
_SLOW_RESOLUTION_DAYS = 7
_SLOW_RESOLUTION_PENALTY = Decimal(10)
_SUPPORT_WINDOW = timedelta(days=90)
_SURVEY_WINDOW = timedelta(days=365)  # NPS and feedback answers count for a year
_PROMOTER, _DETRACTOR = 9, 6
SENTIMENT_POINTS: dict[str, Decimal] = {
    "positive": HUNDRED,
    "neutral": Decimal(50),
    "negative": ZERO,
}
_SAME_PRICES = RuleSettings()


@dataclass(frozen=True, slots=True)
class SupportCase:
    """A support case as the health score sees it."""

    high_priority: bool
    is_closed: bool
    created_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """Everything the health score is made from, for one account."""

    licensed_seats: Decimal | None
    active_seats: Decimal | None
    cases: Sequence[SupportCase]
    nps_scores: Sequence[tuple[int | Decimal, datetime | None]]
    contracts: Sequence[Contract]
    feedback: Sequence[tuple[str, datetime | None]] = ()


def support_part(cases: Iterable[SupportCase], today: date) -> Decimal | None:
    """100, minus 10 per open case, 15 more per open high-priority case, minus 10 when cases
    closed in the last 90 days took over a week on average; None without recent cases."""
    recent = [c for c in cases if not c.is_closed or _within(c.closed_at, today, _SUPPORT_WINDOW)]
    if not recent:
        return None
    score = HUNDRED
    for case in recent:
        if not case.is_closed:
            score -= _OPEN_CASE_PENALTY + (_HIGH_PRIORITY_PENALTY if case.high_priority else ZERO)
    durations = [_days(c) for c in recent if c.is_closed and c.created_at and c.closed_at]
    if durations and sum(durations) / len(durations) > _SLOW_RESOLUTION_DAYS:
        score -= _SLOW_RESOLUTION_PENALTY
    return max(ZERO, score)


def net_promoter_score(
    answers: Iterable[tuple[int | Decimal, datetime | None]], today: date
) -> Decimal | None:
    """% promoters (9-10) minus % detractors (0-6) over the last year; -100..100."""
    scores = [Decimal(s) for s, at in answers if at is None or _within(at, today, _SURVEY_WINDOW)]
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= _PROMOTER)
    detractors = sum(1 for s in scores if s <= _DETRACTOR)
    return HUNDRED * Decimal(promoters - detractors) / Decimal(len(scores))


def feedback_part(answers: Iterable[tuple[str, datetime | None]], today: date) -> Decimal | None:
    """The mean sentiment of the last year's survey answers (CSAT, CES): positive 100,
    neutral 50, negative 0; None without answers. Sentiment, not the raw rating, because
    each survey type rates on its own scale and every survey tool records a sentiment."""
    points = [
        SENTIMENT_POINTS[s]
        for s, at in answers
        if s in SENTIMENT_POINTS and (at is None or _within(at, today, _SURVEY_WINDOW))
    ]
    if not points:
        return None
    return sum(points, ZERO) / Decimal(len(points))


def renewal_history_part(contracts: Iterable[Contract], today: date) -> Decimal | None:
    """The mean over contracts that reached their end: 100 renewed (or expanded), 50 renewed
    smaller, 0 not renewed. Superseded contracts (recasts) are changes, not endings."""
    ended = [c for c in contracts if c.term.end < today and c.superseded_from is None]
    if not ended:
        return None
    by_id = {c.order_id: c for c in contracts}
    points = [_renewal_points(c, by_id) for c in ended]
    return sum(points, ZERO) / Decimal(len(points))


def annual_recurring_value(contract: Contract) -> Decimal:
    """What the contract's recurring entitlements are worth per year, at its own prices."""
    final = contract.final
    values = (
        ledger_line(line, source, years=ONE_YEAR, settings=_SAME_PRICES).value
        for line, source in zip(final.lines, final.sources, strict=True)
        if line.kind in RECURRING_KINDS or line.kind is BrickKind.USAGE
    )
    return to_cents(sum(values, ZERO))


def active_arr(contracts: Iterable[Contract], today: date) -> Decimal:
    """Annual recurring value of the contracts active on `today`."""
    return sum(
        (annual_recurring_value(c) for c in contracts if c.state_on(today) is ContractState.ACTIVE),
        ZERO,
    )


def health_signals(facts: AccountFacts, today: date) -> HealthSignals:
    """The parts of the health score that have data for this account."""
    usage = None
    if facts.licensed_seats is not None and facts.active_seats is not None:
        usage = usage_part(facts.active_seats, facts.licensed_seats)
    return HealthSignals(
        usage=usage,
        support=support_part(facts.cases, today),
        nps=net_promoter_score(facts.nps_scores, today),
        feedback=feedback_part(facts.feedback, today),
        renewal_history=renewal_history_part(facts.contracts, today),
    )


def _renewal_points(contract: Contract, by_id: dict[str, Contract]) -> Decimal:
    successor = by_id.get(contract.renewed_by or "")
    if successor is None:
        return ZERO
    smaller = annual_recurring_value(successor) < annual_recurring_value(contract)
    return Decimal(50) if smaller else HUNDRED


def _within(moment: datetime | None, today: date, window: timedelta) -> bool:
    return moment is not None and moment.date() >= today - window


def _days(case: SupportCase) -> float:
    if case.created_at is None or case.closed_at is None:
        return 0.0
    return (case.closed_at - case.created_at).total_seconds() / 86_400
