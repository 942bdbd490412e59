"""Contracts as built from a chain of orders: entitlements over time and state on a day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final, NamedTuple

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


# Members as constants: `ContractState.ACTIVE` is a metaclass look-up on Python 3.11, and a
# `Final` module constant is a C static once compiled, not a dictionary look-up.
_PENDING: Final = ContractState.PENDING
_ACTIVE: Final = ContractState.ACTIVE
_SUPERSEDED: Final = ContractState.SUPERSEDED
_TERMINATED: Final = ContractState.TERMINATED
_EXPIRED: Final = ContractState.EXPIRED
_RENEWED: Final = ContractState.RENEWED


class Position(NamedTuple):
    """One entitlement: a line and the order that added it (a view for callers)."""

    line: Line
    order_id: str


class Segment:
    """The entitlements in force from `start` until the next segment (or the contract end).

    `lines[i]` was added by order `sources[i]`. Parallel tuples rather than one object per
    line: a contract order's segment is its own `lines` tuple, shared, built in no time.
    """

    __slots__ = ("lines", "sources", "start")

    def __init__(self, start: date, lines: tuple[Line, ...], sources: tuple[str, ...]) -> None:
        self.start: Final = start
        self.lines: Final = lines
        self.sources: Final = sources

    @property
    def positions(self) -> tuple[Position, ...]:
        """Each line with the order that added it."""
        return tuple(map(Position, self.lines, self.sources))

    def __repr__(self) -> str:
        return f"Segment({self.start!r}, {self.lines!r}, {self.sources!r})"


def same_terms(owned: Line, line: Line) -> bool:
    """True when `line` adds to `owned` rather than opening a new position."""
    return (
        owned.sku == line.sku
        and owned.kind is line.kind
        and owned.unit_price == line.unit_price
        and owned.precommit == line.precommit
        and owned.discounts == line.discounts
    )


class Contract:
    """A new, renewal or recast order with every accepted upgrade folded in.

    Immutable: the chain builder replaces a contract by an amended copy (chains.py). A
    plain class with slots and `Final` fields, like every record the evaluation makes per
    subscription (chain, segment, spend, ledger line, renewal, result): compiled by mypyc
    (setup.py), it is a C struct, built in one call and read without a dictionary look-up,
    where a named tuple's fields are read through a descriptor (docs/rules.md, Performance).
    """

    __slots__ = (
        "billed",
        "order",
        "renewed_by",
        "segments",
        "superseded_by",
        "superseded_from",
        "term",
        "terminated_by",
        "terminated_on",
        "upgrade_ids",
    )

    def __init__(  # noqa: PLR0917 - positional on purpose: built per contract and amendment
        self,
        order: Order,
        term: Term,  # as signed: terminations and recasts do not change it
        segments: tuple[Segment, ...],
        upgrade_ids: tuple[str, ...],
        billed: Decimal,
        superseded_from: date | None = None,
        superseded_by: str | None = None,
        terminated_on: date | None = None,
        terminated_by: str | None = None,
        renewed_by: str | None = None,
    ) -> None:
        self.order: Final = order
        self.term: Final = term
        self.segments: Final = segments
        self.upgrade_ids: Final = upgrade_ids
        self.billed: Final = billed
        self.superseded_from: Final = superseded_from
        self.superseded_by: Final = superseded_by
        self.terminated_on: Final = terminated_on
        self.terminated_by: Final = terminated_by
        self.renewed_by: Final = renewed_by

    def __repr__(self) -> str:
        return (
            f"Contract(order={self.order.id!r}, term={self.term!r}, "
            f"segments={len(self.segments)}, upgrade_ids={self.upgrade_ids!r}, "
            f"billed={self.billed!r}, superseded_from={self.superseded_from!r}, "
            f"superseded_by={self.superseded_by!r}, terminated_on={self.terminated_on!r}, "
            f"terminated_by={self.terminated_by!r}, renewed_by={self.renewed_by!r})"
        )

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
            return _PENDING
        if self.superseded_from is not None and day >= self.superseded_from:
            return _SUPERSEDED
        if self.terminated_on is not None and day > self.terminated_on:
            return _TERMINATED
        if day > self.term.end:
            return _RENEWED if self.renewed_by else _EXPIRED
        return _ACTIVE


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
