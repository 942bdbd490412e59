"""Renewal KPIs (domain spec, "Renewal KPIs"): plain values in, plain values out.

For the renewals due in a period:

- resolution rate = (won + lost) / due: how much of the due work was settled either way; a
  low one means the team chases the big deals and leaves the long tail open;
- close rate = won / (won + lost);
- conversion rate = renewed amount / prior contract amount, both over the renewals due
  (the renewed amount is what the won renewals bring; it can exceed 100 %).

Retention over a period, from ARR at its start, per account present then (a customer who
arrived during the period is not in it):

- gross revenue retention (GRR) = sum of min(ARR at end, ARR at start) / ARR at start;
- net revenue retention (NRR) = sum of ARR at end / ARR at start.

Every ratio comes with the counts and amounts behind it, and is None when its denominator
is zero (no renewal due, nothing to retain).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)
RATIO = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class DueRenewal:
    """One renewal opportunity with its due (close) date and how it stands."""

    key: str
    account_id: str
    account: str
    segment: str
    owner: str
    due: date
    status: str  # open | won | lost
    amount: Decimal  # what the renewal brings (the won amount, or the expected spend)
    prior_amount: Decimal  # the amount of the contract it renews


@dataclass(frozen=True, slots=True)
class RenewalKpis:
    due: int
    won: int
    lost: int
    open: int
    renewed_amount: Decimal
    prior_amount: Decimal
    resolution_rate: Decimal | None
    close_rate: Decimal | None
    conversion_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class Retention:
    start: date
    end: date
    accounts: int
    arr_start: Decimal
    arr_end: Decimal
    retained: Decimal  # sum of min(end, start) per account
    grr: Decimal | None
    nrr: Decimal | None


def renewal_kpis(renewals: Iterable[DueRenewal], start: date, end: date) -> RenewalKpis:
    """The KPIs of the renewals due in [start, end]."""
    due = [r for r in renewals if start <= r.due <= end]
    won = [r for r in due if r.status == "won"]
    lost = [r for r in due if r.status == "lost"]
    renewed = sum((r.amount for r in won), ZERO)
    prior = sum((r.prior_amount for r in due), ZERO)
    return RenewalKpis(
        due=len(due),
        won=len(won),
        lost=len(lost),
        open=len(due) - len(won) - len(lost),
        renewed_amount=renewed,
        prior_amount=prior,
        resolution_rate=ratio(Decimal(len(won) + len(lost)), Decimal(len(due))),
        close_rate=ratio(Decimal(len(won)), Decimal(len(won) + len(lost))),
        conversion_rate=ratio(renewed, prior),
    )


def split_kpis(
    renewals: Iterable[DueRenewal], start: date, end: date, by: Callable[[DueRenewal], str]
) -> dict[str, RenewalKpis]:
    """The KPIs per value of `by` (segment, owner)."""
    groups: dict[str, list[DueRenewal]] = defaultdict(list)
    for renewal in renewals:
        groups[by(renewal)].append(renewal)
    return {name: renewal_kpis(group, start, end) for name, group in sorted(groups.items())}


def retention(arr_on: Callable[[date], Mapping[str, Decimal]], start: date, end: date) -> Retention:
    """GRR and NRR from `start` to `end`; `arr_on(day)` is ARR per account on that day."""
    before = {a: v for a, v in arr_on(start).items() if v > 0}
    after = arr_on(end)
    arr_start = sum(before.values(), ZERO)
    arr_end = sum((after.get(a, ZERO) for a in before), ZERO)
    kept = sum((min(after.get(a, ZERO), v) for a, v in before.items()), ZERO)
    return Retention(
        start, end, len(before), arr_start, arr_end, kept,
        ratio(kept, arr_start), ratio(arr_end, arr_start),
    )  # fmt: skip


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part / whole` to four places (0.5 means 50 %), None when there is no whole."""
    if whole == 0:
        return None
    return (part / whole).quantize(RATIO)
