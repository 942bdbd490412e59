"""A deterministic generator of realistic renewal data, from 10 to 1,000,000 opportunities.

`generate()` returns a `Dataset`: a recipe (size, seed, today, users, price book), not the
data. `iter_accounts()` replays it account by account, so memory stays flat at any size and
every call, on every machine, yields the same records for the same seed, today and size.

Rules that make that hold:

- Account N draws only from its own `random.Random` seeded with (seed, N); no global random
  state and no wall clock (every date is relative to `today`). Account N is therefore the
  same in a dataset of any size, and keys (ORD-, LIN-, CAS-, NPS-) are sequential in stream
  order, so they are stable too.
- The stream stops once exactly `opportunities` orders have been written; the last account
  keeps only a prefix of its orders (still valid chains, just shorter).
- Account 1 is the scripted showcase (10 orders: new, upgrade, renewal, recast, termination,
  an open hand-made renewal, a closed-lost renewal; every brick kind). Any dataset of 10 or
  more opportunities therefore holds every order type; below 10 the showcase is cut short in
  the order listed in `_gen_policy.showcase`.
- Owners: three users per block of 120 accounts (about 40 accounts each), sized from the
  expected account count, so account N's owner does not depend on the dataset size either.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from random import Random

from crm_sandbox._gen_catalog import FAMILIES, PRODUCTS, Family, chance, pick
from crm_sandbox._gen_chains import Chain, Keys
from crm_sandbox._gen_people import (
    ACCOUNTS_PER_OWNER_BLOCK,
    make_account,
    make_cases,
    make_feedback,
    make_nps,
    make_users,
)
from crm_sandbox._gen_policy import AUTOMATIC_PERCENT, showcase, simulate
from crm_sandbox.records import AccountBundle, Dataset, GenAccount, GenOrder

# Measured mean orders per account (see bench/datagen.py); only sizes the user list.
MEAN_ORDERS_PER_ACCOUNT = 4.4
_MAIN_FAMILY = ((FAMILIES[0], 50), (FAMILIES[1], 35), (FAMILIES[2], 15))
_SECOND_SUBSCRIPTION_PERCENT = 35

__all__ = ["generate", "iter_accounts"]


def generate(opportunities: int, *, seed: int = 7, today: date) -> Dataset:
    """The recipe for a dataset of exactly `opportunities` orders (at least 1)."""
    if opportunities < 1:
        raise ValueError(f"opportunities must be at least 1, got {opportunities}")
    accounts = math.ceil(opportunities * 1.1 / MEAN_ORDERS_PER_ACCOUNT)  # 10% headroom
    blocks = math.ceil(accounts / ACCOUNTS_PER_OWNER_BLOCK)
    users = make_users(3 * blocks)
    return Dataset(opportunities, seed, today, users, PRODUCTS)


def iter_accounts(dataset: Dataset) -> Iterator[AccountBundle]:
    """Every account with its orders, cases, NPS and feedback answers, regenerated from the
    seed."""
    keys = Keys()
    remaining = dataset.opportunities
    number = 0
    while remaining > 0:
        number += 1
        bundle = _account(dataset, number, keys)
        if len(bundle.orders) > remaining:
            bundle = replace(bundle, orders=bundle.orders[:remaining])
        remaining -= len(bundle.orders)
        yield bundle


def _account(dataset: Dataset, number: int, keys: Keys) -> AccountBundle:
    rng = Random(f"renewal-sync/datagen/{dataset.seed}/{number}")
    account, health = make_account(rng, number, len(dataset.users))
    orders = _orders(rng, dataset.today, account, health, number=number, keys=keys)
    cases = make_cases(rng, account, health, dataset.today, keys=keys)
    nps = make_nps(rng, account, health, dataset.today, keys=keys)
    feedback = make_feedback(rng, account, health, dataset.today, keys=keys)
    return AccountBundle(account, tuple(orders), cases, nps, feedback)


def _orders(
    rng: Random, today: date, account: GenAccount, health: int, *, number: int, keys: Keys
) -> list[GenOrder]:
    """Account 1 is the showcase; the others get one or two simulated subscriptions."""
    if number == 1:
        chains = {f.name: _chain(rng, f, account, today, keys) for f in FAMILIES}
        showcase(chains, today)
        return [order for chain in chains.values() for order in chain.orders()]
    main = pick(rng, _MAIN_FAMILY)
    families = [main]
    if chance(rng, _SECOND_SUBSCRIPTION_PERCENT):
        families.append(pick(rng, tuple(row for row in _MAIN_FAMILY if row[0] is not main)))
    orders: list[GenOrder] = []
    for index, family in enumerate(families):
        chain = _chain(rng, family, account, today, keys)
        seats = account.licensed_seats if index == 0 else account.licensed_seats // 2
        simulate(rng, chain, account.segment, health, seats)
        orders += chain.orders()
    return orders


def _chain(rng: Random, family: Family, account: GenAccount, today: date, keys: Keys) -> Chain:
    terms = "automatic" if chance(rng, AUTOMATIC_PERCENT[account.segment]) else "manual"
    quarterly = chance(rng, 40)
    return Chain(family, account.key, account.name, today, keys, terms, quarterly)
