"""The generator's price book, term dates and money arithmetic.

Kept apart from the chain logic so the catalogue can be read at a glance: three product
families, each with plans Basic/Growth/Enterprise and the same brick shapes (a per-seat
add-on, a pack add-on, onboarding, professional services, metered usage), so every order
type can exercise every brick kind. SKUs are stable strings ("ANL-GROWTH") because loaders
and tests key on them.

Only integer draws and IEEE arithmetic are used anywhere in the generator (no gauss, no
log): libm may differ in the last bit between machines, and the same seed must give the same
data everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from typing import TypeVar

from crm_sandbox.records import GenDiscount, GenProduct

ONE_DAY = timedelta(days=1)
CENT = Decimal("0.01")
_TWELVE = Decimal(12)
_HUNDRED = Decimal(100)

TIERS = ("BASIC", "GROWTH", "ENTERPRISE")
INCLUDED_SEATS = {"BASIC": 5, "GROWTH": 20, "ENTERPRISE": 50}


@dataclass(frozen=True, slots=True)
class Family:
    """One product family: a subscription is keyed on (account, family name)."""

    name: str
    prefix: str
    plan_prices: tuple[int, int, int]
    seat: tuple[str, int]  # label, yearly price per unit
    pack: tuple[str, int]
    onboarding: int
    services: tuple[str, int]  # label, price per unit (hour or day)
    usage: tuple[str, str, str] | None  # label, committed unit rate, overage unit rate

    def sku(self, suffix: str) -> str:
        """The stable SKU of one of this family's products, e.g. ANL-SEAT."""
        return f"{self.prefix}-{suffix}"


FAMILIES: tuple[Family, ...] = (
    Family(
        name="Analytics",
        prefix="ANL",
        plan_prices=(6_000, 12_000, 30_000),
        seat=("extra seat", 300),
        pack=("storage pack 1 TB", 1_200),
        onboarding=5_000,
        services=("professional services hour", 200),
        usage=("API calls per 1,000", "2.50", "3.00"),
    ),
    Family(
        name="Platform",
        prefix="PLT",
        plan_prices=(8_000, 18_000, 45_000),
        seat=("extra seat", 400),
        pack=("sandbox environment", 2_400),
        onboarding=7_500,
        services=("professional services hour", 225),
        usage=("compute hours", "0.12", "0.18"),
    ),
    Family(
        name="Support",
        prefix="SUP",
        plan_prices=(3_000, 9_000, 24_000),
        seat=("named support contact", 600),
        pack=("designated engineer", 18_000),
        onboarding=2_000,
        services=("training day", 1_500),
        usage=None,
    ),
)
FAMILY_BY_NAME = {family.name: family for family in FAMILIES}


def _family_products(family: Family) -> list[GenProduct]:
    """Every SKU of one family, in a fixed order (plans first)."""
    rows = [
        GenProduct(family.sku(tier), f"{family.name} {tier.title()}", family.name, "plan", price)
        for tier, price in zip(TIERS, map(Decimal, family.plan_prices), strict=True)
    ]
    rows += [
        _product(family, "SEAT", family.seat[0], "subscription", Decimal(family.seat[1])),
        _product(family, "PACK", family.pack[0], "subscription", Decimal(family.pack[1])),
        _product(family, "ONBOARDING", "onboarding", "one_time", Decimal(family.onboarding)),
        _product(family, "SERVICES", family.services[0], "one_time", Decimal(family.services[1])),
    ]
    if family.usage is not None:
        label, committed, overage = family.usage
        rows.append(_product(family, "USAGE", label, "usage", Decimal(committed)))
        rows.append(_product(family, "OVERAGE", f"{label} overage", "usage", Decimal(overage)))
    return rows


def _product(family: Family, suffix: str, label: str, kind: str, price: Decimal) -> GenProduct:
    return GenProduct(family.sku(suffix), f"{family.name} {label}", family.name, kind, price)


PRODUCTS: tuple[GenProduct, ...] = tuple(p for f in FAMILIES for p in _family_products(f))
PRODUCT_BY_SKU = {product.sku: product for product in PRODUCTS}
_T = TypeVar("_T")


# --- draws ------------------------------------------------------------------------------


def pick(rng: Random, table: tuple[tuple[_T, int], ...]) -> _T:
    """A weighted choice with integer weights."""
    total = 0
    for _, weight in table:
        total += weight
    draw = below(rng, total)
    for value, weight in table:
        if draw < weight:
            return value
        draw -= weight
    raise AssertionError("unreachable: draw < total")


def below(rng: Random, n: int) -> int:
    """An integer in [0, n): one `random()` and one IEEE multiply, cheaper than randrange."""
    return int(rng.random() * n)


def choose(rng: Random, options: Sequence[_T]) -> _T:
    """A uniform choice from `options`."""
    return options[int(rng.random() * len(options))]


def chance(rng: Random, percent: float) -> bool:
    """True `percent` % of the time."""
    return rng.random() * 100 < percent


# --- dates ------------------------------------------------------------------------------


def anniversary(start: date, months: int) -> date:
    """`start` moved by `months`; a missing day rolls forward to the 1st of the next month.

    Same convention as contract_rules.terms, so a term that starts on the last day of a month
    ends on the last day of a month (2024-02-29 + 12 months ends 2025-02-28).
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if start.day <= 28 or start.day <= _month_days(year, month):
        return date(year, month, start.day)
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def term_end(start: date, months: int) -> date:
    """The last day of a term of `months` whole months starting on `start`."""
    return anniversary(start, months) - ONE_DAY


def between(rng: Random, low: date, high: date) -> date:
    """A day in [low, high] (low when the range is empty)."""
    return low + timedelta(days=below(rng, max(0, (high - low).days) + 1))


# --- money ------------------------------------------------------------------------------


def recurring_year(
    kind: str,
    qty: int,
    price: Decimal,
    precommit: Decimal | None,
    discounts: tuple[GenDiscount, ...],
) -> Decimal:
    """A line's yearly recurring value after recurring discounts (0 for one-time lines).

    Usage counts by its pre-commitment only, as the expected-renewal rule of the domain does.
    """
    if kind == "one_time":
        return Decimal(0)
    if kind == "usage":
        return precommit or Decimal(0)
    value = qty * price
    for discount in discounts:
        if discount.kind == "recurring":
            value -= _discount_amount(discount, value)
    return value


def one_time_value(
    kind: str, qty: int, price: Decimal, months: int, discounts: tuple[GenDiscount, ...]
) -> Decimal:
    """What a line adds once: a one-time item's price, minus every one-time discount.

    A one-time percent discount on a recurring line takes that percent of the first term.
    """
    base = qty * price if kind == "one_time" else qty * price * months / _TWELVE
    value = base if kind == "one_time" else Decimal(0)
    for discount in discounts:
        if discount.kind == "one_time" or kind == "one_time":
            value -= _discount_amount(discount, base)
    return value


def _discount_amount(discount: GenDiscount, base: Decimal) -> Decimal:
    if discount.percent is not None:
        return base * discount.percent / _HUNDRED
    return discount.amount or Decimal(0)


def cents(value: Decimal) -> Decimal:
    """Rounded to the cent; negative billing never happens (a credit is not an invoice)."""
    return max(Decimal(0), value).quantize(CENT)
