"""Expected renewal spend, with a ledger showing how every line of the contract counts.

Domain spec: included are the plan fee, recurring add-ons at their current quantity and the
pre-commitment of usage bricks, each after its *recurring* discounts; excluded are one-time
bricks, usage without pre-commitment and one-time discounts. Each ledger line is rounded
half-up to cents and the amount is the sum of the rounded lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from contract_rules.contracts import Segment
from contract_rules.model import BrickKind, Discount, DiscountKind, Line
from contract_rules.money import (
    HUNDRED,
    ONE,
    ZERO,
    ZERO_CENTS,
    not_negative,
    percent_off,
    to_cents,
)
from contract_rules.settings import PricingMethod, RuleSettings
from contract_rules.terms import Term, TermLength

PLAN_FEE: Final = "plan fee for the renewal term, after recurring discounts"
ADD_ON: Final = "recurring add-on at its current quantity, after recurring discounts"
PRECOMMIT: Final = "usage pre-commitment for the renewal term"
ONE_TIME: Final = "one-time item: not renewed"
USAGE_ON_USE: Final = "usage without pre-commitment: billed on use, not renewed"
ONE_TIME_DISCOUNT_DROPPED: Final = "; one-time discounts not renewed"
USAGE_DISCOUNT_IGNORED: Final = "; discounts on usage change the metered rate, not the commitment"
NO_LIST_PRICE: Final = "; no list price for this sku, contract price kept"


@dataclass(frozen=True)
class LedgerLine:
    """One line of the current contract and what it adds to the renewal amount."""

    sku: str
    kind: BrickKind
    quantity: Decimal
    unit_price: Decimal
    included: bool
    reason: str
    value: Decimal
    order_id: str


@dataclass(frozen=True)
class RenewalSpend:
    """The expected renewal amount for `term` and the ledger that adds up to it."""

    amount: Decimal
    term: Term
    lines: tuple[LedgerLine, ...]


def expected_renewal_spend(
    final: Segment, term: Term, length: TermLength, settings: RuleSettings
) -> RenewalSpend:
    """Price `final` (the contract's last-day entitlements) for the renewal `term`."""
    years = length.years_fraction
    lines = tuple(
        ledger_line(line, order_id, years=years, settings=settings)
        for line, order_id in zip(final.lines, final.sources, strict=True)
    )
    return RenewalSpend(amount=sum((line.value for line in lines), ZERO), term=term, lines=lines)


def ledger_line(
    position: Line, order_id: str, *, years: Decimal, settings: RuleSettings
) -> LedgerLine:
    """How one position counts toward the renewal, with its reason and rounded value.

    Recurring lines: price x quantity x years; recurring percents compound first, then
    recurring amounts (yearly rates, so x years) are subtracted; never below zero.
    """
    if position.kind is BrickKind.ONE_TIME:
        price, included, reason, value = position.unit_price, False, ONE_TIME, ZERO_CENTS
    elif position.kind is BrickKind.USAGE:
        price, included, reason, value = _usage_line(position, years, settings)
    else:
        price, note = _renewal_price(position, settings)
        gross = price * position.quantity * years
        value, one_time_seen = _after_recurring_discounts(gross, position.discounts, years)
        included = True
        reason = _recurring_reason(position.kind is BrickKind.PLAN, one_time_seen) + note
    return LedgerLine(
        sku=position.sku,
        kind=position.kind,
        quantity=position.quantity,
        unit_price=price,
        included=included,
        reason=reason,
        value=value,
        order_id=order_id,
    )


def _after_recurring_discounts(
    gross: Decimal, discounts: Sequence[Discount], years: Decimal
) -> tuple[Decimal, bool]:
    """The renewed value in cents, and whether a one-time discount was left out."""
    value, amounts, one_time_seen = gross, ZERO, False
    for discount in discounts:
        if discount.kind is DiscountKind.ONE_TIME:
            one_time_seen = True
        elif discount.percent is not None:
            value = percent_off(value, discount.percent)
        elif discount.amount is not None:
            amounts += discount.amount * years
    return to_cents(not_negative(value - amounts)), one_time_seen


def _recurring_reason(plan: bool, one_time_dropped: bool) -> str:
    reason = PLAN_FEE if plan else ADD_ON
    return reason + ONE_TIME_DISCOUNT_DROPPED if one_time_dropped else reason


def charged_value(position: Line, years: Decimal) -> Decimal:
    """What a position is worth on its own contract term, after every discount.

    Used for recast credits: one-time discounts did apply to the term being recast.
    """
    kind = position.kind
    if kind is BrickKind.USAGE:
        return position.precommit * years if position.precommit is not None else ZERO
    if kind is BrickKind.ONE_TIME:
        return _charged(position.unit_price * position.quantity, position.discounts, ONE)
    return _charged(position.unit_price * position.quantity * years, position.discounts, years)


def _usage_line(
    position: Line, years: Decimal, settings: RuleSettings
) -> tuple[Decimal, bool, str, Decimal]:
    """Price, included, reason and value of a usage line: only its pre-commitment renews."""
    precommit = position.precommit
    if precommit is None:
        return position.unit_price, False, USAGE_ON_USE, ZERO_CENTS
    value = precommit * years
    if settings.pricing is PricingMethod.UPLIFT:
        value = value * (HUNDRED + settings.uplift_percent) / HUNDRED
    reason = PRECOMMIT + USAGE_DISCOUNT_IGNORED if position.discounts else PRECOMMIT
    return position.unit_price, True, reason, to_cents(value)


def _renewal_price(position: Line, settings: RuleSettings) -> tuple[Decimal, str]:
    """The yearly unit price the renewal uses, and a note when the setting could not apply."""
    method = settings.pricing
    if method is PricingMethod.SAME:
        return position.unit_price, ""
    if method is PricingMethod.UPLIFT:
        return position.unit_price * (HUNDRED + settings.uplift_percent) / HUNDRED, ""
    listed = settings.list_prices.get(position.sku)
    return (position.unit_price, NO_LIST_PRICE) if listed is None else (listed, "")


def _charged(gross: Decimal, discounts: Sequence[Discount], years: Decimal) -> Decimal:
    """Every discount applies: percents compound first, then amounts, never below zero.

    A recurring amount discount scales with the term; a one-time amount is a flat amount.
    """
    value, amounts = gross, ZERO
    for discount in discounts:
        if discount.percent is not None:
            value = value * (HUNDRED - discount.percent) / HUNDRED
        elif discount.amount is not None:
            recurring = discount.kind is not DiscountKind.ONE_TIME
            amounts += discount.amount * years if recurring else discount.amount
    return not_negative(value - amounts)
