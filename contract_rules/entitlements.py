"""How an upgrade's lines change what a contract grants (delta or full set)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from contract_rules.contracts import Position
from contract_rules.model import Line
from contract_rules.money import ZERO


class RemovalTooLargeError(Exception):
    """An upgrade removes more of a sku than the contract owns."""

    def __init__(self, sku: str, removed: Decimal, owned: Decimal) -> None:
        super().__init__(sku, removed, owned)
        self.sku = sku
        self.removed = removed
        self.owned = owned


def full_set(lines: Sequence[Line], order_id: str) -> tuple[Position, ...]:
    """The whole new set of lines, as recorded by renewals, recasts and full-set upgrades."""
    for line in lines:
        if line.quantity < ZERO:
            raise RemovalTooLargeError(line.sku, -line.quantity, ZERO)
    return tuple(Position.from_line(line, order_id) for line in lines if line.quantity)


def apply_delta(
    positions: Sequence[Position], lines: Sequence[Line], order_id: str
) -> tuple[Position, ...]:
    """Add positive lines, remove negative ones; matched by sku.

    An addition at the same price and discounts as an owned position grows it; at another
    price it opens a new position, so the ledger shows both prices. A removal takes from the
    most recently added position of the sku first (last in, first out), so an upgrade followed
    by its exact reverse gives back the original entitlements.
    """
    current = list(positions)
    for line in lines:
        if line.quantity > ZERO:
            _add(current, line, order_id)
        elif line.quantity < ZERO:
            _remove(current, line.sku, -line.quantity)
    return tuple(p for p in current if p.quantity)


def _add(current: list[Position], line: Line, order_id: str) -> None:
    for index, position in enumerate(current):
        if position.same_terms(line):
            current[index] = _with_quantity(position, position.quantity + line.quantity)
            return
    current.append(Position.from_line(line, order_id))


def _remove(current: list[Position], sku: str, quantity: Decimal) -> None:
    owned = sum((p.quantity for p in current if p.sku == sku), ZERO)
    if quantity > owned:
        raise RemovalTooLargeError(sku, quantity, owned)
    for index in range(len(current) - 1, -1, -1):
        position = current[index]
        if position.sku != sku or not quantity:
            continue
        taken = min(quantity, position.quantity)
        current[index] = _with_quantity(position, position.quantity - taken)
        quantity -= taken


def _with_quantity(position: Position, quantity: Decimal) -> Position:
    return Position(
        position.sku,
        position.kind,
        quantity,
        position.unit_price,
        position.precommit,
        position.discounts,
        position.order_id,
    )
