"""Expected renewal spend, with a ledger showing how every line of the contract counts.

Domain spec: included are the plan fee, recurring add-ons at their current quantity and the
pre-commitment of usage bricks, each after its *recurring* discounts; excluded are one-time
bricks, usage without pre-commitment and one-time discounts. Each ledger line is rounded
half-up to cents and the amount is the sum of the rounded lines.

This runs for every line of every subscription (bench/rules.py), so each line is priced in
one pass over its discounts, with no intermediate objects, and ledger lines are built with
`tuple.__new__` (a third of the cost of the named tuple's generated `__new__`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from contract_rules.contracts import Segment
from contract_rules.model import BrickKind, Discount, DiscountKind, Line
from contract_rules.money import (
    CENT,
    HALF_UP,
    HUNDRED,
    ONE,
    ZERO,
    ZERO_CENTS,
    not_negative,
    to_cents,
)
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

_PLAN, _ONE_TIME, _USAGE = BrickKind.PLAN, BrickKind.ONE_TIME, BrickKind.USAGE
_ONE_TIME_DISCOUNT = DiscountKind.ONE_TIME
_SAME, _UPLIFT = PricingMethod.SAME, PricingMethod.UPLIFT
# Reason of a recurring line by (is a plan, had a one-time discount).
_RECURRING_REASONS = {
    (True, False): PLAN_FEE,
    (True, True): PLAN_FEE + ONE_TIME_DISCOUNT_DROPPED,
    (False, False): ADD_ON,
    (False, True): ADD_ON + ONE_TIME_DISCOUNT_DROPPED,
}


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


_new_tuple = tuple.__new__
_quantize = HALF_UP.quantize  # to_cents without its call (~0.1 us a line)


class RenewalSpend(NamedTuple):
    """The expected renewal amount for `term` and the ledger that adds up to it."""

    amount: Decimal
    term: Term
    lines: tuple[LedgerLine, ...]


def expected_renewal_spend(
    final: Segment, term: Term, length: TermLength, settings: RuleSettings
) -> RenewalSpend:
    """Price `final` (the contract's last-day entitlements) for the renewal `term`."""
    years = length.years_fraction
    price = _price_line
    pairs = zip(final.lines, final.sources, strict=True)
    lines = tuple([price(line, source, years, settings) for line, source in pairs])
    amount = ZERO
    for line in lines:
        amount += line[6]  # value; the sum starts from ZERO like `sum(..., ZERO)` did
    return _new_tuple(RenewalSpend, (amount, term, lines))


def ledger_line(
    position: Line, order_id: str, *, years: Decimal, settings: RuleSettings
) -> LedgerLine:
    """How one position counts toward the renewal, with its reason and rounded value."""
    return _price_line(position, order_id, years, settings)


def _price_line(
    position: Line, order_id: str, years: Decimal, settings: RuleSettings
) -> LedgerLine:
    """`ledger_line` in one frame (it runs for every line of every subscription).

    Recurring lines: price x quantity x years; recurring percents compound first, then
    recurring amounts (yearly rates, so x years) are subtracted; never below zero.
    """
    kind = position.kind
    if kind is _ONE_TIME:
        price, included, reason, value = position.unit_price, False, ONE_TIME, ZERO_CENTS
    elif kind is _USAGE:
        price, included, reason, value = _usage_line(position, years, settings)
    else:
        price, note = (
            (position.unit_price, "")
            if settings.pricing is _SAME
            else _renewal_price(position, settings)
        )
        value, amounts, one_time_seen = price * position.quantity * years, ZERO, False
        for discount in position.discounts:
            if discount.kind is _ONE_TIME_DISCOUNT:
                one_time_seen = True
            elif discount.percent is not None:
                value = value * (HUNDRED - discount.percent) / HUNDRED
            elif discount.amount is not None:
                amounts += discount.amount * years
        value -= amounts
        value = _quantize(value, CENT) if value > ZERO else ZERO_CENTS  # to_cents(not_negative)
        included, reason = True, _RECURRING_REASONS[kind is _PLAN, one_time_seen] + note
    fields = (position.sku, kind, position.quantity, price, included, reason, value, order_id)
    return _new_tuple(LedgerLine, fields)


def charged_value(position: Line, years: Decimal) -> Decimal:
    """What a position is worth on its own contract term, after every discount.

    Used for recast credits: one-time discounts did apply to the term being recast.
    """
    kind = position.kind
    if kind is _USAGE:
        return position.precommit * years if position.precommit is not None else ZERO
    if kind is _ONE_TIME:
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
    if settings.pricing is _UPLIFT:
        value = value * (HUNDRED + settings.uplift_percent) / HUNDRED
    reason = PRECOMMIT + USAGE_DISCOUNT_IGNORED if position.discounts else PRECOMMIT
    return position.unit_price, True, reason, to_cents(value)


def _renewal_price(position: Line, settings: RuleSettings) -> tuple[Decimal, str]:
    """The yearly unit price the renewal uses, and a note when the setting could not apply."""
    method = settings.pricing
    if method is _SAME:
        return position.unit_price, ""
    if method is _UPLIFT:
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
            recurring = discount.kind is not _ONE_TIME_DISCOUNT
            amounts += discount.amount * years if recurring else discount.amount
    return not_negative(value - amounts)
