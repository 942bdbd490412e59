"""When and how a subscription's orders happen: the random policy and the showcase account.

The policy walks a subscription forward from its first start: upgrades inside each term, an
occasional recast, then at each term's decision date (0-60 days before its end) a renewal,
a termination, a lost renewal, or nothing yet. It stops at the first decision still ahead of
`today`, so the current contract of a live subscription ends anywhere from today to a term
plus two months out: about half of the 12-month ones inside the 180-day milestone window.

Account 1 is scripted (`showcase`) so that any dataset, even of 10 opportunities, holds every
order type, status and brick kind; its 10 orders come first.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from random import Random

from crm_sandbox._gen_catalog import (
    INCLUDED_SEATS,
    TIERS,
    anniversary,
    below,
    between,
    chance,
    choose,
    pick,
)
from crm_sandbox._gen_chains import Chain, Extras
from crm_sandbox.records import GenDiscount

_MONTHS = ((12, 75), (24, 15), (36, 10))
_STYLE = (("first", 60), ("mid", 15), ("any", 12), ("month_end", 10), ("leap", 3))
_TIER = {
    "long_tail": (("BASIC", 70), ("GROWTH", 30)),
    "standard": (("BASIC", 25), ("GROWTH", 60), ("ENTERPRISE", 15)),
    "high_touch": (("GROWTH", 40), ("ENTERPRISE", 60)),
    "public_sector": (("GROWTH", 50), ("ENTERPRISE", 50)),
}
AUTOMATIC_PERCENT = {"long_tail": 85, "standard": 55, "high_touch": 30, "public_sector": 10}
_PRECOMMIT = {
    "BASIC": (3_000, 6_000),
    "GROWTH": (6_000, 12_000),
    "ENTERPRISE": (12_000, 24_000, 48_000),
}
_UPGRADES = ((0, 62), (1, 27), (2, 11))
_DAYS = timedelta(days=1)


def pct(kind: str, value: int) -> GenDiscount:
    """A percent discount, recurring or one-time."""
    return GenDiscount(kind, percent=Decimal(value))


def amount(kind: str, value: int) -> GenDiscount:
    """An amount discount (a yearly amount when recurring)."""
    return GenDiscount(kind, amount=Decimal(value))


def simulate(rng: Random, chain: Chain, segment: str, health: int, seats: int) -> None:
    """Write one subscription's whole history, as of `chain.today`."""
    today = chain.today
    months = pick(rng, _MONTHS)
    start = _first_start(rng, today)
    _initial_holdings(rng, chain, segment, seats)
    close = min(today, start - below(rng, 46) * _DAYS)
    chain.new(start, close, months, _new_extras(rng, chain))
    recast_left = True
    while True:
        current = chain.contract()
        assert current.end is not None
        last = _upgrades(rng, chain)
        low, high = last + 30 * _DAYS, min(current.end - 30 * _DAYS, today + 10 * _DAYS)
        if recast_left and low <= high and chance(rng, 6):
            recast_left = False
            months = _recast(rng, chain, between(rng, low, high))
            continue
        decide = max(last, current.end - below(rng, 61) * _DAYS)  # never before a change
        if decide > today:
            _live_tail(rng, chain, months, last)
            return
        if not _decide(rng, chain, decide, months, health):
            return
        months = pick(rng, _MONTHS) if chance(rng, 10) else months


def _first_start(rng: Random, today: date) -> date:
    """Pending (5%) or up to 4.5 years back, mostly on the 1st, some on awkward days."""
    if chance(rng, 5):
        return anniversary(today.replace(day=1), 1 + below(rng, 4))
    base = today - below(rng, 1_645) * _DAYS
    style = pick(rng, _STYLE)
    if style == "first":
        return base.replace(day=1)
    if style == "mid":
        return base.replace(day=15)
    if style == "month_end":
        return anniversary(base.replace(day=1), 1) - _DAYS
    if style == "leap":
        year = base.year if base.month > 2 else base.year - 1
        while not calendar.isleap(year):
            year -= 1
        return date(year, 2, 29)
    return base


def _initial_holdings(rng: Random, chain: Chain, segment: str, seats: int) -> None:
    tier = pick(rng, _TIER[segment])
    chain.tier = tier
    discounts: list[GenDiscount] = []
    if chance(rng, 45 if segment in ("high_touch", "public_sector") else 28):
        discounts.append(pct("recurring", choose(rng, (5, 10, 15, 20))))
    if chance(rng, 3):
        discounts.append(amount("recurring", choose(rng, (500, 1_000))))
    chain.hold(tier, 1, tuple(discounts))
    if seats > INCLUDED_SEATS[tier]:
        seat_discount = (pct("recurring", choose(rng, (5, 10))),) if chance(rng, 20) else ()
        chain.hold("SEAT", seats - INCLUDED_SEATS[tier], seat_discount)
    if chance(rng, 35):
        chain.hold("PACK", 1 + below(rng, 3))
    if chain.family.usage is not None:
        if chance(rng, 45):
            chain.hold("USAGE", 1, precommit=Decimal(choose(rng, _PRECOMMIT[tier])))
        if chance(rng, 35):
            chain.hold("OVERAGE", 1)


def _new_extras(rng: Random, chain: Chain) -> Extras:
    """One-time items and first-term discounts of a new order."""
    extras: list[tuple[str, int, tuple[GenDiscount, ...]]] = []
    if chance(rng, 65):
        discount = pick(
            rng, (((), 85), ((amount("one_time", 1_000),), 10), ((pct("one_time", 50),), 5))
        )
        extras.append(("ONBOARDING", 1, discount))
    if chance(rng, 25):
        extras.append(("SERVICES", choose(rng, (10, 20, 40, 80)), ()))
    if chance(rng, 12):
        first_term = (
            amount("one_time", choose(rng, (500, 1_000, 2_500)))
            if chance(rng, 60)
            else pct("one_time", choose(rng, (10, 20)))
        )
        extras.append((chain.tier, 0, (first_term,)))
    return tuple(extras)


def _upgrades(rng: Random, chain: Chain) -> date:
    """0-2 upgrades inside the current term; returns the last one's date (or the start)."""
    current = chain.contract()
    assert current.end is not None
    low = current.start + 30 * _DAYS
    high = min(current.end - 30 * _DAYS, chain.today + 20 * _DAYS)
    count = pick(rng, _UPGRADES)
    if count == 0 or high < low:
        return current.start
    dates = sorted(between(rng, low, high) for _ in range(count))
    for at in dates:
        close = min(chain.today, at - below(rng, 15) * _DAYS)
        chain.upgrade(at, close, _changes(rng, chain))
    return dates[-1]


def _changes(rng: Random, chain: Chain) -> tuple[tuple[str, int], ...]:
    """One or two changes: seats up or down, a plan move up, packs up or down."""
    options = [("seats_up", 45), ("packs_up", 12)]
    if chain.tier != "ENTERPRISE":
        options.append(("plan_up", 20))
    if chain.held("SEAT") >= 5:
        options.append(("seats_down", 10))
    if chain.held("PACK") >= 1:
        options.append(("packs_down", 8))
    first = pick(rng, tuple(options))
    kinds = [first]
    others = tuple(o for o in options if o[0][:4] != first[:4])  # never +seats and -seats
    if others and chance(rng, 22):
        kinds.append(pick(rng, others))
    changes: list[tuple[str, int]] = []
    for kind in kinds:
        changes += _change(rng, chain, kind)
    return tuple(changes)


def _change(rng: Random, chain: Chain, kind: str) -> tuple[tuple[str, int], ...]:
    family = chain.family
    if kind == "plan_up":
        return chain.plan_move(TIERS[TIERS.index(chain.tier) + 1])
    suffix = "SEAT" if kind.startswith("seats") else "PACK"
    if kind.endswith("_down"):
        return ((family.sku(suffix), -1 - below(rng, max(1, chain.held(suffix) // 4))),)
    if not chain.held(suffix):
        chain.hold(suffix, 0)
    return ((family.sku(suffix), choose(rng, (5, 10, 15, 25, 40)) if suffix == "SEAT" else 1),)


def _recast(rng: Random, chain: Chain, at: date) -> int:
    """Move up a plan (or add seats) under new dates from `at`; returns the new term months.

    No credit line is written: the superseded contract's billed_to_date is what the service
    turns into the prorated credit, and writing one here would count it twice.
    """
    if chain.tier != "ENTERPRISE":
        chain.apply(chain.plan_move(TIERS[TIERS.index(chain.tier) + 1]))
    else:
        if not chain.held("SEAT"):
            chain.hold("SEAT", 0)
        chain.apply(((chain.family.sku("SEAT"), 10 + below(rng, 30)),))
    extras: Extras = (("SERVICES", choose(rng, (10, 20, 40)), ()),) if chance(rng, 30) else ()
    months = pick(rng, _MONTHS)
    chain.recast(at, min(chain.today, at - below(rng, 10) * _DAYS), months, extras)
    return months


def _decide(rng: Random, chain: Chain, decide: date, months: int, health: int) -> bool:
    """The outcome at a decision date already past; True when the chain goes on."""
    current = chain.contract()
    assert current.end is not None
    outcome = pick(
        rng,
        (
            ("renew", 60 + health // 4),
            ("terminate", 4 + (100 - health) // 15),
            ("lose", 3 + (100 - health) // 20),
            ("undecided", 8),
        ),
    )
    if outcome == "renew":
        if chance(rng, 25):
            chain.uplift(choose(rng, (3, 5, 7)))
        extras: Extras = (("SERVICES", 10, ()),) if chance(rng, 10) else ()
        chain.renew(decide, months, extras=extras)
        return True
    if outcome == "terminate":
        notice = between(rng, decide, min(chain.today, current.end))  # decide <= both
        chain.terminate(notice, None if chance(rng, 70) else between(rng, notice, current.end))
    elif outcome == "lose":
        chain.renew(decide, months, "closed_lost")
    elif chance(rng, 35 if current.end >= chain.today else 30):
        chain.renew(current.end, months, "open")  # by hand, or a lapsed manual renewal
    return False


def _live_tail(rng: Random, chain: Chain, months: int, last: date) -> None:
    """A term whose decision is ahead: rarely an early notice, a few hand-made renewals."""
    current = chain.contract()
    assert current.end is not None
    if current.start <= chain.today and chance(rng, 3):
        low = max(current.start, last, chain.today - 60 * _DAYS)
        notice = between(rng, min(low, chain.today), chain.today)
        chain.terminate(notice, None if chance(rng, 70) else between(rng, notice, current.end))
    elif chance(rng, 7):
        chain.renew(current.end, months, "open")


def showcase(chains: dict[str, Chain], today: date) -> None:
    """Account 1: every order type, status, brick kind and discount shape, in 10 orders.

    Its Analytics new order is the domain spec's worked example (expected renewal spend
    $22,500; $25,350 after the upgrade adding 10 seats), so an end-to-end test can check the
    amount the service writes against the spec's own number.
    """
    month = today.replace(day=1)
    a = chains["Analytics"]
    a.renewal_terms, a.quarterly, a.tier = "manual", False, "GROWTH"
    a.hold("GROWTH", 1, (pct("recurring", 10),))
    a.hold("SEAT", 20, (pct("recurring", 5),))
    a.hold("USAGE", 1, precommit=Decimal(6_000))
    a.hold("OVERAGE", 1)
    start = anniversary(month, -20)
    first_term: Extras = (("ONBOARDING", 1, ()), ("GROWTH", 0, (amount("one_time", 1_000),)))
    a.new(start, start - 20 * _DAYS, 12, first_term)
    upgrade = anniversary(start, 4)
    a.upgrade(upgrade, upgrade - 5 * _DAYS, ((a.family.sku("SEAT"), 10),))
    a.renew(anniversary(start, 12) - 15 * _DAYS, 12)
    a.apply(a.plan_move("ENTERPRISE"))
    recast = anniversary(month, -2)
    a.recast(recast, recast - 10 * _DAYS, 12, (("SERVICES", 20, ()),))
    a.renew(anniversary(recast, 12) - _DAYS, 12, "open")  # made by hand: to be adopted
    p = chains["Platform"]
    p.renewal_terms, p.quarterly, p.tier = "automatic", True, "GROWTH"
    p.hold("GROWTH", 1, (amount("recurring", 1_000),))
    p.hold("SEAT", 30)
    p.hold("PACK", 2)
    p.hold("USAGE", 1, precommit=Decimal(12_000))
    start = anniversary(month, -13) - _DAYS  # a month end
    p.new(start, start - 7 * _DAYS, 24)
    move_and_drop_a_pack = (*p.plan_move("ENTERPRISE"), (p.family.sku("PACK"), -1))
    p.upgrade(start + 60 * _DAYS, start + 55 * _DAYS, move_and_drop_a_pack)
    p.terminate(today - 10 * _DAYS, None)
    s = chains["Support"]
    s.renewal_terms, s.quarterly, s.tier = "manual", False, "BASIC"
    s.hold("BASIC", 1)
    start = anniversary(today.replace(day=15), -14)
    s.new(start, start - 3 * _DAYS, 12, (("ONBOARDING", 1, (pct("one_time", 50),)),))
    s.renew(anniversary(start, 12) - 20 * _DAYS, 12, "closed_lost")
