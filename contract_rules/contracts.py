"""Contracts as built from a chain of orders: entitlements over time and state on a day."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from contract_rules.model import Line, Order, RenewalTerms
from contract_rules.terms import Term


class ContractState(StrEnum):
    """A contract's state on a day (domain spec, "Order types")."""

    PENDING = "pending"
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    TERMINATED = "terminated"
    EXPIRED = "expired"
    RENEWED = "renewed"


class Position(NamedTuple):
    """One entitlement: a line and the order that added it (a view for callers)."""

    line: Line
    order_id: str


@dataclass(frozen=True)
class Segment:
    """The entitlements in force from `start` until the next segment (or the contract end).

    `lines[i]` was added by order `sources[i]`.
    """

    start: date
    lines: tuple[Line, ...]
    sources: tuple[str, ...]

    @property
    def positions(self) -> tuple[Position, ...]:
        """Each line with the order that added it."""
        return tuple(map(Position, self.lines, self.sources))


@dataclass(frozen=True)
class Supersession:
    """The contract was replaced by recast order `by`, from `start` on."""

    start: date
    by: str


@dataclass(frozen=True)
class Termination:
    """Termination order `by` ends the contract after `last_day`."""

    last_day: date
    by: str


@dataclass(frozen=True)
class Renewed:
    """Renewal order `by` continues the subscription after this contract's end."""

    by: str


def same_terms(owned: Line, line: Line) -> bool:
    """True when `line` adds to `owned` rather than opening a new position."""
    return (
        owned.sku == line.sku
        and owned.kind is line.kind
        and owned.unit_price == line.unit_price
        and owned.precommit == line.precommit
        and owned.discounts == line.discounts
    )


@dataclass(frozen=True)
class Contract:
    """A new, renewal or recast order with every accepted upgrade folded in.

    Immutable: the chain builder replaces a contract by an amended copy (`replace`). How a
    contract ended is one typed value each (`Supersession`, `Termination`, `Renewed`), so two
    endings cannot be swapped and still type-check.
    """

    order: Order
    term: Term  # as signed: terminations and recasts do not change it
    segments: tuple[Segment, ...]
    upgrade_ids: tuple[str, ...]
    billed: Decimal
    superseded: Supersession | None = None
    terminated: Termination | None = None
    renewed: Renewed | None = None

    @property
    def superseded_from(self) -> date | None:
        """The recast's start, when a recast replaced this contract."""
        return self.superseded.start if self.superseded else None

    @property
    def superseded_by(self) -> str | None:
        return self.superseded.by if self.superseded else None

    @property
    def terminated_on(self) -> date | None:
        """The last day of service a termination set."""
        return self.terminated.last_day if self.terminated else None

    @property
    def terminated_by(self) -> str | None:
        return self.terminated.by if self.terminated else None

    @property
    def renewed_by(self) -> str | None:
        return self.renewed.by if self.renewed else None

    @property
    def order_id(self) -> str:
        """The id of the order that opened this contract."""
        return self.order.id

    @property
    def renewal_terms(self) -> RenewalTerms:
        """Automatic or manual, as signed."""
        return self.order.renewal_terms

    @property
    def last_day(self) -> date:
        """The last day of service: the end, or earlier when terminated or superseded."""
        return last_day(self.term, self.terminated_on, self.superseded_from)

    @property
    def final(self) -> Segment:
        """Entitlements after every upgrade: what a renewal is priced from."""
        return self.segments[-1]

    def entitlements_on(self, day: date) -> Segment:
        """Entitlements in force on `day` (the first segment's before the start)."""
        return segment_on(self.segments, day)

    def state_on(self, day: date) -> ContractState:
        """Pending, active, superseded, terminated, expired or renewed on `day`."""
        if day < self.order.start_date:
            return ContractState.PENDING
        if self.superseded_from is not None and day >= self.superseded_from:
            return ContractState.SUPERSEDED
        if self.terminated_on is not None and day > self.terminated_on:
            return ContractState.TERMINATED
        if day > self.term.end:
            return ContractState.RENEWED if self.renewed else ContractState.EXPIRED
        return ContractState.ACTIVE


def last_day(term: Term, terminated_on: date | None, superseded_from: date | None) -> date:
    """The last day of service: the end, or earlier when terminated or superseded."""
    last = term.end
    if terminated_on is not None and terminated_on < last:
        last = terminated_on
    if superseded_from is not None:
        last = min(last, superseded_from - timedelta(days=1))
    return last


def segment_on(segments: Sequence[Segment], day: date) -> Segment:
    """The segment in force on `day` (the first one before the start)."""
    found = segments[0]
    for segment in segments:
        if segment.start > day:
            break
        found = segment
    return found
