"""Expected renewal spend, with a ledger showing how every line of the contract counts.

Domain spec: included are the plan fee, recurring add-ons at their current quantity and the
pre-commitment of usage bricks, each after its *recurring* discounts; excluded are one-time
bricks, usage without pre-commitment and one-time discounts. Each ledger line is rounded
half-up to cents and the amount is the sum of the rounded lines.

This runs for every line of every subscription (bench/rules.py), so each line is priced in
one pass over its discounts, with no intermediate objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

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
from contract_rules.settings_view import view
from contract_rules.terms import Term, TermLength

PLAN_FEE: Final = "plan fee for the renewal term, after recurring discounts"
ADD_ON: Final = "recurring add-on at its current quantity, after recurring discounts"
PRECOMMIT: Final = "usage pre-commitment for the renewal term"
ONE_TIME: Final = "one-time item: not renewed"
USAGE_ON_USE: Final = "usage without pre-commitment: billed on use, not renewed"
ONE_TIME_DISCOUNT_DROPPED: Final = "; one-time discounts not renewed"
USAGE_DISCOUNT_IGNORED: Final = "; discounts on usage change the metered rate, not the commitment"
NO_LIST_PRICE: Final = "; no list price for this sku, contract price kept"

_PLAN: Final = BrickKind.PLAN
_ONE_TIME: Final = BrickKind.ONE_TIME
_USAGE: Final = BrickKind.USAGE
_ONE_TIME_DISCOUNT: Final = DiscountKind.ONE_TIME
_SAME: Final = PricingMethod.SAME
_UPLIFT: Final = PricingMethod.UPLIFT
_PLAN_FEE_ONE_TIME_DROPPED: Final = PLAN_FEE + ONE_TIME_DISCOUNT_DROPPED
_ADD_ON_ONE_TIME_DROPPED: Final = ADD_ON + ONE_TIME_DISCOUNT_DROPPED
_quantize: Final = HALF_UP.quantize  # to_cents without its call (~0.1 us a line)


class LedgerLine:
    """One line of the current contract and what it adds to the renewal amount."""

    __slots__ = ("included", "kind", "order_id", "quantity", "reason", "sku", "unit_price", "value")

    def __init__(  # noqa: PLR0917 - positional on purpose: one per line of every renewal
        self,
        sku: str,
        kind: BrickKind,
        quantity: Decimal,
        unit_price: Decimal,
        included: bool,
        reason: str,
        value: Decimal,
        order_id: str,
    ) -> None:
        self.sku: Final = sku
        self.kind: Final = kind
        self.quantity: Final = quantity
        self.unit_price: Final = unit_price
        self.included: Final = included
        self.reason: Final = reason
        self.value: Final = value
        self.order_id: Final = order_id

    def __repr__(self) -> str:
        return (
            f"LedgerLine({self.sku!r}, {self.kind.value!r}, {self.quantity!r}, "
            f"{self.unit_price!r}, {self.included!r}, {self.reason!r}, {self.value!r}, "
            f"{self.order_id!r})"
        )


class RenewalSpend:
    """The expected renewal amount for `term` and the ledger that adds up to it."""

    __slots__ = ("amount", "lines", "term")

    def __init__(self, amount: Decimal, term: Term, lines: tuple[LedgerLine, ...]) -> None:
        self.amount: Final = amount
        self.term: Final = term
        self.lines: Final = lines

    def __repr__(self) -> str:
        return f"RenewalSpend({self.amount!r}, {self.term!r}, {len(self.lines)} lines)"


def expected_renewal_spend(
    final: Segment, term: Term, length: TermLength, settings: RuleSettings
) -> RenewalSpend:
    """Price `final` (the contract's last-day entitlements) for the renewal `term`."""
    years, pricing = length.years_fraction, view(settings).pricing
    sources = final.sources
    lines = []
    amount = ZERO  # the sum starts from ZERO like `sum(..., ZERO)` did
    for index, line in enumerate(final.lines):
        priced = _price_line(line, sources[index], years, pricing, settings)
        amount += priced.value
        lines.append(priced)
    return RenewalSpend(amount, term, tuple(lines))


def ledger_line(
    position: Line, order_id: str, *, years: Decimal, settings: RuleSettings
) -> LedgerLine:
    """How one position counts toward the renewal, with its reason and rounded value."""
    return _price_line(position, order_id, years, settings.pricing, settings)


def _price_line(
    position: Line, order_id: str, years: Decimal, pricing: PricingMethod, settings: RuleSettings
) -> LedgerLine:
    """`ledger_line` in one frame (it runs for every line of every subscription).

    Recurring lines: price x quantity x years; recurring percents compound first, then
    recurring amounts (yearly rates, so x years) are subtracted; never below zero.
    """
    kind, quantity = position.kind, position.quantity  # each read is a generic look-up, compiled
    if kind is _ONE_TIME:
        price, included, reason, value = position.unit_price, False, ONE_TIME, ZERO_CENTS
    elif kind is _USAGE:
        price, included, reason, value = _usage_line(position, years, pricing, settings)
    else:
        price, note = (
            (position.unit_price, "") if pricing is _SAME else _renewal_price(position, settings)
        )
        value = price * quantity  # a product: already rounded, so "x 1" would change nothing
        if years is not ONE:  # one-year terms (most): no multiplication (terms.years_fraction)
            value *= years
        amounts, one_time_seen = ZERO, False
        for discount in position.discounts:
            percent = discount.percent
            if discount.kind is _ONE_TIME_DISCOUNT:
                one_time_seen = True
            elif percent is not None:
                value = value * (HUNDRED - percent) / HUNDRED
            elif discount.amount is not None:
                amounts += discount.amount * years
        value -= amounts
        value = _quantize(value, CENT) if value > ZERO else ZERO_CENTS  # to_cents(not_negative)
        included, reason = True, _recurring_reason(kind is _PLAN, one_time_seen) + note
    return LedgerLine(position.sku, kind, quantity, price, included, reason, value, order_id)


def _recurring_reason(plan: bool, one_time_dropped: bool) -> str:
    if plan:
        return _PLAN_FEE_ONE_TIME_DROPPED if one_time_dropped else PLAN_FEE
    return _ADD_ON_ONE_TIME_DROPPED if one_time_dropped else ADD_ON


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
    position: Line, years: Decimal, pricing: PricingMethod, settings: RuleSettings
) -> tuple[Decimal, bool, str, Decimal]:
    """Price, included, reason and value of a usage line: only its pre-commitment renews."""
    precommit = position.precommit
    if precommit is None:
        return position.unit_price, False, USAGE_ON_USE, ZERO_CENTS
    value = precommit * years
    if pricing is _UPLIFT:
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
