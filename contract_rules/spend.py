"""Expected renewal spend, with a ledger showing how every line of the contract counts.

Domain spec: included are the plan fee, recurring add-ons at their current quantity and the
pre-commitment of usage bricks, each after its *recurring* discounts; excluded are one-time
bricks, usage without pre-commitment and one-time discounts. Each ledger line is rounded
half-up to cents and the amount is the sum of the rounded lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from contract_rules.contracts import Segment
from contract_rules.model import BrickKind, DiscountKind, Line
from contract_rules.money import HUNDRED, ONE, ZERO, not_negative, to_cents
from contract_rules.settings import PricingMethod, RuleSettings
from contract_rules.terms import Term, TermLength

PLAN_FEE = "plan fee for the renewal term, after recurring discounts"
ADD_ON = "recurring add-on at its current quantity, after recurring discounts"
PRECOMMIT = "usage pre-commitment for the renewal term"
ONE_TIME = "one-time item: not renewed"
USAGE_ON_USE = "usage without pre-commitment: billed on use, not renewed"
ONE_TIME_DISCOUNT_DROPPED = "; one-time discounts not renewed"
USAGE_DISCOUNT_IGNORED = "; discounts on usage change the metered rate, not the commitment"
NO_LIST_PRICE = "; no list price for this sku, contract price kept"


class LedgerLine(NamedTuple):
    """One line of the current contract and what it adds to the renewal amount."""

    sku: str
    kind: BrickKind
    quantity: Decimal
    unit_price: Decimal
    included: bool
    reason: str
    value: Decimal
    order_id: str


@dataclass(frozen=True, slots=True)
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
        map(partial(ledger_line, years=years, settings=settings), final.lines, final.sources)
    )
    return RenewalSpend(sum((ln.value for ln in lines), ZERO), term, lines)


def ledger_line(
    position: Line, order_id: str, *, years: Decimal, settings: RuleSettings
) -> LedgerLine:
    """How one position counts toward the renewal, with its reason and rounded value."""
    kind = position.kind
    if kind is BrickKind.ONE_TIME:
        return _line(
            position, order_id, position.unit_price, included=False, reason=ONE_TIME, value=ZERO
        )
    if kind is BrickKind.USAGE:
        return _usage_line(position, order_id, years, settings)
    price, note = _renewal_price(position, settings)
    value = _recurring_value(position, price, years, renewal=True)
    reason = PLAN_FEE if kind is BrickKind.PLAN else ADD_ON
    if any(d.kind is DiscountKind.ONE_TIME for d in position.discounts):
        reason += ONE_TIME_DISCOUNT_DROPPED
    return _line(position, order_id, price, included=True, reason=reason + note, value=value)


def charged_value(position: Line, years: Decimal) -> Decimal:
    """What a position is worth on its own contract term, after every discount.

    Used for recast credits: one-time discounts did apply to the term being recast.
    """
    if position.kind is BrickKind.USAGE:
        return position.precommit * years if position.precommit is not None else ZERO
    if position.kind is BrickKind.ONE_TIME:
        return _discounted(position.unit_price * position.quantity, position, ONE, renewal=False)
    return _recurring_value(position, position.unit_price, years, renewal=False)


def _usage_line(
    position: Line, order_id: str, years: Decimal, settings: RuleSettings
) -> LedgerLine:
    if position.precommit is None:
        return _line(
            position, order_id, position.unit_price, included=False, reason=USAGE_ON_USE, value=ZERO
        )
    value = position.precommit * years
    if settings.pricing is PricingMethod.UPLIFT:
        value = value * (HUNDRED + settings.uplift_percent) / HUNDRED
    reason = PRECOMMIT + (USAGE_DISCOUNT_IGNORED if position.discounts else "")
    return _line(position, order_id, position.unit_price, included=True, reason=reason, value=value)


def _renewal_price(position: Line, settings: RuleSettings) -> tuple[Decimal, str]:
    """The yearly unit price the renewal uses, and a note when the setting could not apply."""
    method = settings.pricing
    if method is PricingMethod.SAME:
        return position.unit_price, ""
    if method is PricingMethod.UPLIFT:
        return position.unit_price * (HUNDRED + settings.uplift_percent) / HUNDRED, ""
    listed = settings.list_prices.get(position.sku)
    return (position.unit_price, NO_LIST_PRICE) if listed is None else (listed, "")


def _recurring_value(position: Line, price: Decimal, years: Decimal, *, renewal: bool) -> Decimal:
    return _discounted(price * position.quantity * years, position, years, renewal=renewal)


def _discounted(gross: Decimal, position: Line, years: Decimal, *, renewal: bool) -> Decimal:
    """Percent discounts first (compounded), then amounts; never below zero.

    A recurring amount discount is a yearly rate like the price it reduces, so it scales
    with the term; a one-time amount discount is a flat amount.
    """
    value = gross
    amounts = ZERO
    for discount in position.discounts:
        if renewal and discount.kind is DiscountKind.ONE_TIME:
            continue
        if discount.percent is not None:
            value = value * (HUNDRED - discount.percent) / HUNDRED
        elif discount.amount is not None:
            recurring = discount.kind is DiscountKind.RECURRING
            amounts += discount.amount * years if recurring else discount.amount
    return not_negative(value - amounts)


def _line(
    position: Line, order_id: str, price: Decimal, *, included: bool, reason: str, value: Decimal
) -> LedgerLine:
    return LedgerLine(
        position.sku,
        position.kind,
        position.quantity,
        price,
        included,
        reason,
        to_cents(value),
        order_id,
    )
