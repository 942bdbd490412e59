"""Renewal lines whose totals add up to the expected renewal spend, to the cent.

CRMs total a line as quantity x unit price (Salesforce rolls those totals up into the
opportunity's Amount). A ledger value that does not divide evenly by its quantity would
make the total drift by a cent or more, so such a position is written as two lines of the
same sku: `q - r` units at the floor price and `r` units one cent dearer. The line carries
the net price for the renewal term (recurring discounts folded in) and says in its
description how that price was made.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from contract_rules import BrickKind, LedgerLine, RenewalSpend
from mappings import PriceRecord, RenewalLineIntent
from sync.pipeline.keys import line_key

_CENT = Decimal("0.01")
_DESCRIPTION_LIMIT = 255


@dataclass(frozen=True, slots=True)
class Tranche:
    """Units of one sku at one per-unit price for the whole term."""

    quantity: Decimal
    term_unit_price: Decimal


def tranches(value: Decimal, quantity: Decimal) -> tuple[Tranche, ...]:
    """Split `value` over `quantity` units so that the per-line totals sum to `value`."""
    if quantity <= 0 or quantity != quantity.to_integral_value():
        return (Tranche(Decimal(1), value),)
    cents = int(value / _CENT)
    units = int(quantity)
    base, remainder = divmod(cents, units)
    found = [Tranche(Decimal(units - remainder), Decimal(base) * _CENT)]
    if remainder:
        found.append(Tranche(Decimal(remainder), Decimal(base + 1) * _CENT))
    return tuple(t for t in found if t.quantity > 0)


def renewal_line_intents(
    renewal_key: str,
    spend: RenewalSpend,
    term_months: Decimal,
    prices: dict[str, PriceRecord],
    *,
    key_length: int | None = None,
) -> tuple[RenewalLineIntent, ...]:
    """One intent per included ledger line (two when its value needs a cent split).

    Keys name the sku (and its n-th position when one sku has several prices), so adding or
    removing another add-on does not re-key every line after it.
    """
    years = term_months / Decimal(12)
    intents: list[RenewalLineIntent] = []
    seen: dict[str, int] = {}
    for line in ledger_order(spend.lines):
        if line.included:
            index = f"{line.sku}:{seen.get(line.sku, 0)}"
            seen[line.sku] = seen.get(line.sku, 0) + 1
            intents += _line_intents(
                renewal_key, index, line, years=years, term_months=term_months, prices=prices,
                key_length=key_length,
            )  # fmt: skip
    return tuple(intents)


def ledger_order(lines: tuple[LedgerLine, ...]) -> list[LedgerLine]:
    """The ledger in a canonical order (sku, price, quantity), whatever order the CRM
    returned the contract's lines in: the ledger text and the line keys must not change
    because a retried write gave one line a later id."""
    return sorted(lines, key=lambda ln: (ln.sku, ln.unit_price, ln.quantity, ln.kind.value))


def _line_intents(
    renewal_key: str,
    index: str,
    line: LedgerLine,
    *,
    years: Decimal,
    term_months: Decimal,
    prices: dict[str, PriceRecord],
    key_length: int | None,
) -> list[RenewalLineIntent]:
    usage = line.kind is BrickKind.USAGE
    quantity = Decimal(1) if usage else line.quantity
    price = prices.get(line.sku)
    found = []
    for part, tranche in enumerate(tranches(line.value, quantity)):
        found.append(
            RenewalLineIntent(
                key=line_key(renewal_key, f"{index}:{part}", key_length),
                renewal_id="",
                quantity=tranche.quantity,
                unit_price=tranche.term_unit_price / years,
                renewal_key=renewal_key,
                sku=line.sku,
                kind=line.kind.value,
                price_entry_id=price.id if price else None,
                product_id=price.product_id if price else None,
                precommit=(line.value / years) if usage else None,
                description=_describe(line),
                term_months=term_months,
            )
        )
    return found


def _describe(line: LedgerLine) -> str:
    text = (
        f"{line.quantity} x {line.unit_price:.2f}/yr = {line.value:.2f} for the term: {line.reason}"
    )
    return text[:_DESCRIPTION_LIMIT]
