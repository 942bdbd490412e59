"""The order primitives of one subscription chain: new, upgrade, renewal, recast, termination.

A `Chain` holds what the customer owns right now (its holdings) and the contract in force,
and each primitive appends one order that is valid by the domain spec: upgrades are deltas
inside the current contract's dates, a renewal starts the day after the current end, a recast
starts inside the current term and restarts the dates, a termination ends no later than the
current end. Who calls the primitives, and when, is decided elsewhere (the random policy in
`_gen_policy`, the scripted showcase account), so validity lives in one place.

Billing is settled only when the chain is finished (`orders()`), because a later recast or
termination changes how much of an earlier contract was billed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from crm_sandbox._gen_catalog import (
    ONE_DAY,
    PRODUCT_BY_SKU,
    Family,
    anniversary,
    cents,
    one_time_value,
    recurring_year,
    term_end,
)
from crm_sandbox.records import GenDiscount, GenLine, GenOrder

Extras = tuple[tuple[str, int, tuple["GenDiscount", ...]], ...]  # (suffix, qty, discounts)
_TWELVE = Decimal(12)
_DAYS_PER_YEAR = Decimal(365)
_LABELS = {
    "new": "New",
    "upgrade": "Upgrade",
    "renewal": "Renewal",
    "recast": "Recast",
    "termination": "Termination",
}


class Keys:
    """Dataset-wide counters: keys are sequential in stream order, hence stable per seed."""

    __slots__ = ("case", "feedback", "line", "nps", "order")

    def __init__(self) -> None:
        self.order = self.line = self.case = self.nps = self.feedback = 0

    def order_key(self) -> str:
        self.order += 1
        return f"ORD-{self.order:07d}"

    def line_key(self) -> str:
        self.line += 1
        return f"LIN-{self.line:08d}"


@dataclass(slots=True)
class Holding:
    """One SKU the customer owns on the current contract, with its grandfathered price."""

    sku: str
    kind: str
    qty: int
    price: Decimal
    precommit: Decimal | None = None
    discounts: tuple[GenDiscount, ...] = ()  # recurring ones only: they follow every term


@dataclass(slots=True)
class Draft:
    """An order before billing is known; `years` is the span its recurring value covers."""

    key: str
    order_type: str
    amends_key: str | None
    start: date
    end: date | None
    status: str
    close: date
    lines: tuple[GenLine, ...]
    renewal_terms: str
    name: str
    years: Decimal = Decimal(0)
    recurring: Decimal = Decimal(0)
    once: Decimal = Decimal(0)
    service_end: date | None = None  # last billed day when superseded or terminated early


@dataclass(slots=True)
class Chain:
    """One subscription (account x product family) being written order by order."""

    family: Family
    account_key: str
    account_name: str
    today: date
    keys: Keys
    renewal_terms: str
    quarterly: bool  # billed quarterly in advance, else the whole term up front
    holdings: dict[str, Holding] = field(default_factory=dict)
    tier: str = "GROWTH"
    drafts: list[Draft] = field(default_factory=list)
    current: Draft | None = None

    # --- holdings -----------------------------------------------------------------------

    def hold(
        self,
        suffix: str,
        qty: int,
        discounts: tuple[GenDiscount, ...] = (),
        precommit: Decimal | None = None,
    ) -> None:
        """Own `qty` of a family SKU at list price (replaces any previous holding of it)."""
        sku = self.family.sku(suffix)
        product = PRODUCT_BY_SKU[sku]
        self.holdings[sku] = Holding(
            sku, product.kind, qty, product.list_price, precommit, discounts
        )

    def held(self, suffix: str) -> int:
        """How many of a family SKU the customer owns now."""
        holding = self.holdings.get(self.family.sku(suffix))
        return holding.qty if holding else 0

    def uplift(self, percent: int) -> None:
        """Raise every plan and add-on price by `percent` (a renewal at a new price)."""
        for holding in self.holdings.values():
            if holding.kind in ("plan", "subscription"):
                holding.price = (holding.price * (100 + percent) / 100).quantize(Decimal(1))

    # --- orders -------------------------------------------------------------------------

    def new(self, start: date, close: date, months: int, extras: Extras = ()) -> Draft:
        """The first contract; `extras` are one-time items and one-time discounts."""
        return self._contract("new", None, start, close, months=months, extras=extras)

    def renew(
        self, close: date, months: int, status: str = "closed_won", extras: Extras = ()
    ) -> Draft:
        """The next term from the day after the current end; won ones become current."""
        current = self.contract()
        assert current.end is not None
        start = current.end + ONE_DAY
        return self._contract(
            "renewal", current.key, start, close, months=months, extras=extras, status=status
        )

    def recast(self, start: date, close: date, months: int, extras: Extras = ()) -> Draft:
        """New terms and dates from `start`; the current contract is billed to the day before."""
        current = self.contract()
        assert current.start < start <= (current.end or start)
        current.service_end = start - ONE_DAY
        return self._contract("recast", current.key, start, close, months=months, extras=extras)

    def upgrade(self, start: date, close: date, changes: tuple[tuple[str, int], ...]) -> Draft:
        """Delta lines inside the current dates: a positive quantity adds, a negative removes."""
        current = self.contract()
        assert current.end is not None
        assert current.start <= start <= current.end
        lines, recurring = [], Decimal(0)
        for sku, delta in changes:
            line = self._line(self.holdings[sku], delta)
            lines.append(line)
            recurring += recurring_year(
                line.kind, delta, line.unit_price, line.precommit, line.discounts
            )
        self.apply(changes)
        draft = self._draft("upgrade", current.key, (start, current.end), close, tuple(lines))
        draft.years = Decimal((current.end - start).days + 1) / _DAYS_PER_YEAR
        draft.recurring = recurring
        return draft

    def terminate(self, notice: date, end: date | None) -> Draft:
        """End the subscription at the current end (`end` None) or on `end`, no later."""
        current = self.contract()
        assert current.end is not None
        assert end is None or notice <= end <= current.end
        if end is not None:
            current.service_end = end
        return self._draft("termination", current.key, (notice, end), notice, ())

    def plan_move(self, tier: str) -> tuple[tuple[str, int], ...]:
        """Prepare the move to plan `tier` (same recurring discounts); returns its delta.

        The delta is what an upgrade records: -1 of the old plan, +1 of the new one.
        """
        old = self.holdings[self.family.sku(self.tier)]
        self.hold(tier, 0, old.discounts)
        self.tier = tier
        return ((old.sku, -1), (self.family.sku(tier), 1))

    def apply(self, changes: tuple[tuple[str, int], ...]) -> None:
        """Change quantities owned; what drops to zero is no longer owned, plans stay first."""
        for sku, delta in changes:
            self.holdings[sku].qty += delta
        kept = [(sku, h) for sku, h in self.holdings.items() if h.qty > 0]
        self.holdings = dict(sorted(kept, key=lambda item: item[1].kind != "plan"))

    # --- finishing ----------------------------------------------------------------------

    def orders(self) -> list[GenOrder]:
        """Every order of the chain, billing settled as of `today`."""
        return [self._finish(draft) for draft in self.drafts]

    def _finish(self, draft: Draft) -> GenOrder:
        return GenOrder(
            key=draft.key,
            name=draft.name,
            account_key=self.account_key,
            order_type=draft.order_type,
            product=self.family.name,
            amends_key=draft.amends_key,
            start_date=draft.start,
            end_date=draft.end,
            renewal_terms=draft.renewal_terms,
            billed_to_date=self._billed(draft),
            status=draft.status,
            close_date=draft.close,
            lines=draft.lines,
        )

    def _billed(self, draft: Draft) -> Decimal:
        """Up front: the whole value once started. Quarterly: each quarter started so far."""
        if draft.status != "closed_won" or draft.end is None or draft.start > self.today:
            return Decimal(0)
        if not self.quarterly:
            return cents(draft.recurring * draft.years + draft.once)
        cutoff = min(self.today, draft.service_end or draft.end, draft.end)
        quarters = billed = 0
        while (quarter := anniversary(draft.start, 3 * quarters)) <= draft.end:
            quarters += 1
            billed += quarter <= cutoff
        return cents(draft.recurring * draft.years * billed / quarters + draft.once)

    # --- helpers ------------------------------------------------------------------------

    def contract(self) -> Draft:
        """The contract in force: the latest won new, renewal or recast."""
        assert self.current is not None, "a chain starts with a new order"
        return self.current

    def _contract(
        self,
        order_type: str,
        amends: str | None,
        start: date,
        close: date,
        *,
        months: int,
        extras: Extras,
        status: str = "closed_won",
    ) -> Draft:
        """A full line set: every holding, plus one-time items and first-term discounts."""
        one_time = {self.family.sku(suffix): (qty, d) for suffix, qty, d in extras}
        lines, recurring, once = [], Decimal(0), Decimal(0)
        for holding in self.holdings.values():
            extra = one_time.pop(holding.sku, (0, ()))[1]
            line = self._line(holding, holding.qty, extra)
            lines.append(line)
            recurring += recurring_year(
                line.kind, line.quantity, line.unit_price, line.precommit, line.discounts
            )
            once += one_time_value(line.kind, line.quantity, line.unit_price, months, extra)
        for sku, (qty, discounts) in one_time.items():
            price = PRODUCT_BY_SKU[sku].list_price
            lines.append(
                GenLine(self.keys.line_key(), sku, "one_time", qty, price, None, discounts)
            )
            once += one_time_value("one_time", qty, price, months, discounts)
        span = (start, term_end(start, months))
        draft = self._draft(order_type, amends, span, close, tuple(lines), status=status)
        draft.years, draft.recurring, draft.once = Decimal(months) / _TWELVE, recurring, once
        if status == "closed_won":
            self.current = draft
        return draft

    def _line(self, holding: Holding, qty: int, extra: tuple[GenDiscount, ...] = ()) -> GenLine:
        return GenLine(
            self.keys.line_key(),
            holding.sku,
            holding.kind,
            qty,
            holding.price,
            holding.precommit,
            holding.discounts + extra,
        )

    def _draft(
        self,
        order_type: str,
        amends: str | None,
        span: tuple[date, date | None],
        close: date,
        lines: tuple[GenLine, ...],
        *,
        status: str = "closed_won",
    ) -> Draft:
        start, end = span
        name = (
            f"{self.account_name} – {self.family.name} {self.tier.title()} – "
            f"{_LABELS[order_type]} {start.year}"
        )
        draft = Draft(
            self.keys.order_key(),
            order_type,
            amends,
            start,
            end,
            status,
            close,
            lines,
            self.renewal_terms,
            name,
        )
        self.drafts.append(draft)
        return draft
