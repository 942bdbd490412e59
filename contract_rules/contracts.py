"""Contracts as built from a chain of orders: entitlements over time and state on a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from contract_rules.model import BrickKind, Discount, Line, Order, RenewalTerms
from contract_rules.terms import Term


class ContractState(StrEnum):
    """A contract's state on a day (domain spec, "Order types")."""

    PENDING = "pending"
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    TERMINATED = "terminated"
    EXPIRED = "expired"
    RENEWED = "renewed"


@dataclass(frozen=True, slots=True)
class Position:
    """What the customer owns of one sku at one price; `order_id` is the order that added it."""

    sku: str
    kind: BrickKind
    quantity: Decimal
    unit_price: Decimal
    precommit: Decimal | None
    discounts: tuple[Discount, ...]
    order_id: str

    @classmethod
    def from_line(cls, line: Line, order_id: str) -> Position:
        """A position holding exactly what `line` grants."""
        return cls(
            line.sku,
            line.kind,
            line.quantity,
            line.unit_price,
            line.precommit,
            line.discounts,
            order_id,
        )

    def same_terms(self, line: Line) -> bool:
        """True when `line` adds to this position rather than opening a new one."""
        return (
            self.sku == line.sku
            and self.kind is line.kind
            and self.unit_price == line.unit_price
            and self.precommit == line.precommit
            and self.discounts == line.discounts
        )


@dataclass(frozen=True, slots=True)
class Segment:
    """The entitlements in force from `start` until the next segment (or the contract end)."""

    start: date
    positions: tuple[Position, ...]


@dataclass(frozen=True, slots=True)
class Contract:
    """A new, renewal or recast order with every accepted upgrade folded in."""

    order: Order
    segments: tuple[Segment, ...]
    upgrade_ids: tuple[str, ...]
    billed: Decimal
    superseded_from: date | None = None
    superseded_by: str | None = None
    terminated_on: date | None = None
    terminated_by: str | None = None
    renewed_by: str | None = None

    @property
    def order_id(self) -> str:
        """The id of the order that opened this contract."""
        return self.order.id

    @property
    def term(self) -> Term:
        """The contract's own term, as signed (terminations and recasts do not change it)."""
        end = self.order.end_date
        assert end is not None  # contract orders always have one (model validator)
        return Term(self.order.start_date, end)

    @property
    def renewal_terms(self) -> RenewalTerms:
        """Automatic or manual, as signed."""
        return self.order.renewal_terms

    @property
    def last_day(self) -> date:
        """The last day of service: the end, or earlier when terminated or superseded."""
        last = self.term.end
        if self.terminated_on is not None:
            last = min(last, self.terminated_on)
        if self.superseded_from is not None:
            last = min(last, self.superseded_from - timedelta(days=1))
        return last

    @property
    def final_positions(self) -> tuple[Position, ...]:
        """Entitlements after every upgrade: what a renewal is priced from."""
        return self.segments[-1].positions

    def positions_on(self, day: date) -> tuple[Position, ...]:
        """Entitlements in force on `day` (the first segment before the start)."""
        found = self.segments[0].positions
        for segment in self.segments:
            if segment.start > day:
                break
            found = segment.positions
        return found

    def state_on(self, day: date) -> ContractState:
        """Pending, active, superseded, terminated, expired or renewed on `day`."""
        if day < self.order.start_date:
            return ContractState.PENDING
        if self.superseded_from is not None and day >= self.superseded_from:
            return ContractState.SUPERSEDED
        if self.terminated_on is not None and day > self.terminated_on:
            return ContractState.TERMINATED
        if day > self.term.end:
            return ContractState.RENEWED if self.renewed_by else ContractState.EXPIRED
        return ContractState.ACTIVE
