"""How orders set what a contract grants: a contract's own lines, delta or full-set upgrades."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from contract_rules.contracts import Segment, same_terms
from contract_rules.model import Line, Order
from contract_rules.money import ZERO


class RemovalTooLargeError(Exception):
    """An upgrade removes more of a sku than the contract owns."""

    def __init__(self, sku: str, removed: Decimal, owned: Decimal) -> None:
        super().__init__(sku, removed, owned)
        self.sku = sku
        self.removed = removed
        self.owned = owned


def own_lines(order: Order) -> Segment:
    """A new, renewal or recast order grants exactly its lines (the full set for its term)."""
    lines = order.lines
    return Segment(order.start_date, lines, (order.id,) * len(lines))


def full_set(order: Order) -> Segment:
    """A full-set upgrade: its lines replace the contract's; quantities cannot be negative."""
    for line in order.lines:
        if line.quantity < ZERO:
            raise RemovalTooLargeError(line.sku, -line.quantity, ZERO)
    return own_lines(order)


def apply_delta(owned: Segment, order: Order) -> Segment:
    """Add positive lines, remove negative ones; matched by sku.

    An addition at the same price and discounts as an owned line grows it; at another price
    it opens a new line, so the ledger shows both prices. A removal takes from the most
    recently added line of the sku first (last in, first out), so an upgrade followed by its
    exact reverse gives back the original entitlements.
    """
    lines, sources = list(owned.lines), list(owned.sources)
    removed = False
    for line in order.lines:
        quantity = line.quantity
        if quantity > ZERO:
            _add(lines, sources, line, order.id)
        elif quantity < ZERO:
            _remove(lines, line.sku, -quantity)
            removed = True
    if not removed or all(line.quantity for line in lines):
        return Segment(order.start_date, tuple(lines), tuple(sources))
    kept = [i for i, line in enumerate(lines) if line.quantity]
    return Segment(order.start_date, tuple(lines[i] for i in kept), tuple(sources[i] for i in kept))


def _add(lines: list[Line], sources: list[str], line: Line, order_id: str) -> None:
    sku = line.sku
    for index, owned in enumerate(lines):
        if owned.sku == sku and same_terms(owned, line):
            lines[index] = _with_quantity(owned, owned.quantity + line.quantity)
            return
    lines.append(line)
    sources.append(order_id)


def _remove(lines: list[Line], sku: str, quantity: Decimal) -> None:
    owned = sum((ln.quantity for ln in lines if ln.sku == sku), ZERO)
    if quantity > owned:
        raise RemovalTooLargeError(sku, quantity, owned)
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.sku != sku or not quantity:
            continue
        taken = min(quantity, line.quantity)
        lines[index] = _with_quantity(line, line.quantity - taken)
        quantity -= taken


def _with_quantity(line: Line, quantity: Decimal) -> Line:
    """`line` with another quantity (validated again, like any line)."""
    return replace(line, quantity=quantity)
