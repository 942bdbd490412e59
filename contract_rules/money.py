"""Exact money: `Decimal` everywhere, rounded half-up to cents once per ledger line.

Intermediate values keep full precision (28 significant digits), so rounding happens in
one place and an amount is always the sum of its rounded lines.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Final

# `Final`: compiled (setup.py), a constant is a C static, not a module dictionary look-up.
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)
HUNDRED: Final = Decimal(100)
TWELVE: Final = Decimal(12)
CENT: Final = Decimal("0.01")

# The default context's precision and traps, rounding half-up. A bound method of a fixed
# context costs a fifth of `quantize(CENT, rounding=ROUND_HALF_UP)`, which builds a context
# per call, and this runs for every ledger line (bench/rules.py).
HALF_UP: Final = Context(rounding=ROUND_HALF_UP)
_quantize: Final = HALF_UP.quantize


def to_cents(value: Decimal) -> Decimal:
    """Round half-up to cents (finance's rule, not Python's banker's rounding)."""
    return _quantize(value, CENT)


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
