"""Recast credit: billed but unconsumed service carried into the recast as a one-time discount.

Default (domain spec): credit = billed on the replaced contract (its order and its upgrades)
minus the value of the service delivered up to the day before the recast starts, prorated by
day, never below zero (so never above what was billed either). One-time items count as
delivered in full from their start. The alternative policy, `by_month`, counts every started
month of the term as consumed in full (docs/rules.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from contract_rules.contracts import Contract, Segment
from contract_rules.model import BrickKind, Line
from contract_rules.money import ZERO, not_negative, to_cents
from contract_rules.settings import CreditPolicy
from contract_rules.spend import charged_value
from contract_rules.terms import anniversary, term_length

_ONE_DAY = timedelta(days=1)
_NO_TIME = timedelta(0)


@dataclass(frozen=True, slots=True)
class RecastCredit:
    """The credit a recast order carries for the contract it replaces."""

    order_id: str
    replaces_order_id: str
    amount: Decimal
    billed: Decimal
    delivered: Decimal
    policy: CreditPolicy


def recast_credit(
    replaced: Contract, recast_start: date, policy: CreditPolicy, earlier: Decimal = ZERO
) -> RecastCredit:
    """The credit for `replaced` when a recast starts on `recast_start`.

    `earlier` is the credit `replaced` itself carried when it was opened by a recast: a
    one-time discount of its term, so the service delivered is priced net of it, prorated
    like the recurring lines (domain spec: a recast of a recast credits the unused part of
    the net bill)."""
    length = term_length(replaced.term.start, replaced.term.end)
    by_month = policy is CreditPolicy.BY_MONTH and length.days == 0 and length.months > 0
    if by_month:
        delivered = _delivered_by_month(replaced, recast_start, length.months)
        delivered -= (
            earlier * _months_started(replaced, recast_start, length.months) / max(length.months, 1)
        )
    else:
        delivered = _delivered_by_day(replaced, recast_start)
        used = max(min(recast_start, replaced.term.end + _ONE_DAY) - replaced.term.start, _NO_TIME)
        delivered -= earlier * Decimal(used.days) / Decimal(replaced.term.days)
    delivered += _one_time_delivered(replaced, recast_start)
    amount = to_cents(min(not_negative(replaced.billed - delivered), replaced.billed))
    return RecastCredit(
        replaced.superseded_by or "",
        replaced.order_id,
        amount,
        replaced.billed,
        to_cents(delivered),
        policy,
    )


def _delivered_by_day(contract: Contract, recast_start: date) -> Decimal:
    """Each segment's term value times the share of the term's days it ran before the recast."""
    term = contract.term
    years = term_length(term.start, term.end).years_fraction
    days_in_term = Decimal(term.days)
    total = ZERO
    segments = contract.segments
    for index, segment in enumerate(segments):
        start = max(segment.start, term.start)
        stop = segments[index + 1].start if index + 1 < len(segments) else recast_start
        days = (min(stop, recast_start) - start).days
        if days > 0:
            total += _recurring_term_value(segment.lines, years) * days / days_in_term
    return total


def _delivered_by_month(contract: Contract, recast_start: date, months: int) -> Decimal:
    """Every month started before the recast, at the entitlements in force on its first day."""
    term = contract.term
    years = Decimal(months) / Decimal(12)
    total = ZERO
    for index in range(months):
        month_start = anniversary(term.start, index)
        if month_start >= recast_start:
            break
        lines = contract.entitlements_on(month_start).lines
        total += _recurring_term_value(lines, years) / months
    return total


def _months_started(contract: Contract, recast_start: date, months: int) -> int:
    return sum(1 for i in range(months) if anniversary(contract.term.start, i) < recast_start)


def _recurring_term_value(lines: tuple[Line, ...], years: Decimal) -> Decimal:
    return sum((charged_value(p, years) for p in lines if p.kind is not BrickKind.ONE_TIME), ZERO)


def _one_time_delivered(contract: Contract, recast_start: date) -> Decimal:
    """One-time items of segments started before the recast, each counted once."""
    seen: dict[tuple[str, str, Decimal], Decimal] = {}
    for segment in _started(contract.segments, recast_start):
        for p, source in zip(segment.lines, segment.sources, strict=True):
            if p.kind is BrickKind.ONE_TIME:
                seen[(source, p.sku, p.unit_price)] = charged_value(p, ZERO)
    return sum(seen.values(), ZERO)


def _started(segments: tuple[Segment, ...], day: date) -> tuple[Segment, ...]:
    return tuple(s for s in segments if s.start < day)
