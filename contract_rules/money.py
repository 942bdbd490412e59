"""Exact money: `Decimal` everywhere, rounded half-up to cents once per ledger line.

Intermediate values keep full precision (28 significant digits), so rounding happens in
one place and an amount is always the sum of its rounded lines.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)
TWELVE: Final = Decimal(12)
CENT: Final = Decimal("0.01")


def to_cents(value: Decimal) -> Decimal:
    """Round half-up to cents (finance's rule, not Python's banker's rounding)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


ZERO_CENTS: Final = to_cents(ZERO)


def not_negative(value: Decimal) -> Decimal:
    """Discounts can exceed a price; a line is then worth nothing, never less."""
    return value if value > ZERO else ZERO


def percent_off(value: Decimal, percent: Decimal) -> Decimal:
    """`value` less `percent` percent of it."""
    return value * (HUNDRED - percent) / HUNDRED


def money_str(value: Decimal) -> str:
    """Cents as a plain string ("8054.79"), the form the JSON report uses."""
    return f"{to_cents(value):f}"
