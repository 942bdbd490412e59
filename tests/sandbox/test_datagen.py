"""The sandbox data generator: same data for the same recipe, valid chains, realistic spread.

The chain checks walk every subscription the way the domain spec (docs: /work/shared/domain.md,
"Order types") defines it, so a generator bug shows up as the rule it breaks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from crm_sandbox._gen_people import account_name
from crm_sandbox.datagen import generate, iter_accounts
from crm_sandbox.records import AccountBundle, Dataset, GenOrder, GenProduct

TODAY = date(2026, 3, 14)
ONE_DAY = timedelta(days=1)
ORDER_TYPES = {"new", "upgrade", "renewal", "recast", "termination"}
BRICK_KINDS = {"plan", "subscription", "one_time", "usage"}


def bundles(opportunities: int, *, seed: int = 7, today: date = TODAY) -> list[AccountBundle]:
    return list(iter_accounts(generate(opportunities, seed=seed, today=today)))


def orders_of(data: list[AccountBundle]) -> list[GenOrder]:
    return [order for bundle in data for order in bundle.orders]


@pytest.fixture(scope="module")
def big() -> tuple[Dataset, list[AccountBundle]]:
    dataset = generate(20_000, seed=7, today=TODAY)
    return dataset, list(iter_accounts(dataset))


# --- determinism ---------------------------------------------------------------------------


def test_the_same_recipe_replays_identical_records() -> None:
    dataset = generate(2_000, seed=11, today=TODAY)
    assert list(iter_accounts(dataset)) == list(iter_accounts(dataset))
    assert generate(2_000, seed=11, today=TODAY) == dataset
    assert bundles(2_000, seed=11) == list(iter_accounts(dataset))


def test_another_seed_gives_other_records() -> None:
    assert bundles(500, seed=1) != bundles(500, seed=2)


def test_account_n_is_the_same_whatever_the_size(big: tuple[Dataset, list[AccountBundle]]) -> None:
    small = bundles(1_000)
    assert small[:-1] == big[1][: len(small) - 1]
    last = small[-1]  # cut to a prefix of its orders so the total is exact
    assert last.orders == big[1][len(small) - 1].orders[: len(last.orders)]


# --- size ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 10, 1_000])
def test_the_order_count_is_exactly_the_size_asked(size: int) -> None:
    assert len(orders_of(bundles(size))) == size


def test_twenty_thousand_opportunities_are_twenty_thousand_orders(
    big: tuple[Dataset, list[AccountBundle]],
) -> None:
    assert len(orders_of(big[1])) == 20_000


def test_fewer_than_one_opportunity_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate(0, today=TODAY)


# --- coverage ------------------------------------------------------------------------------


def test_ten_opportunities_hold_every_order_type_status_and_brick_kind() -> None:
    orders = orders_of(bundles(10))
    assert {o.order_type for o in orders} == ORDER_TYPES
    assert {o.status for o in orders} == {"closed_won", "open", "closed_lost"}
    assert {line.kind for o in orders for line in o.lines} == BRICK_KINDS


def test_the_showcase_analytics_chain_is_the_specs_worked_example() -> None:
    new, upgrade, renewal, *_ = orders_of(bundles(10))
    assert (new.order_type, upgrade.order_type, renewal.order_type) == ("new", "upgrade", "renewal")
    assert _renewal_spend(new) == Decimal("22500")  # domain.md, "Expected renewal spend"
    assert _renewal_spend(renewal) == Decimal("25350")  # after the upgrade adding 10 seats


def test_a_thousand_opportunities_hold_every_shape() -> None:
    orders = orders_of(bundles(1_000))
    assert Counter(o.order_type for o in orders).keys() == ORDER_TYPES
    assert {line.kind for o in orders for line in o.lines} == BRICK_KINDS
    discounts = {
        (d.kind, d.percent is not None) for o in orders for ln in o.lines for d in ln.discounts
    }
    assert discounts == {
        ("recurring", True),
        ("recurring", False),
        ("one_time", True),
        ("one_time", False),
    }
    usage = [ln for o in orders for ln in o.lines if ln.kind == "usage"]
    assert {ln.precommit is None for ln in usage} == {True, False}
    assert {o.renewal_terms for o in orders} == {"automatic", "manual"}
    upgrades = [ln for o in orders if o.order_type == "upgrade" for ln in o.lines]
    assert any(ln.quantity < 0 for ln in upgrades), "removals are negative quantities"
    assert {o.end_date is None for o in orders if o.order_type == "termination"} == {True, False}


def test_segments_follow_the_mix(big: tuple[Dataset, list[AccountBundle]]) -> None:
    segments = Counter(b.account.segment for b in big[1])
    shares = {name: count / sum(segments.values()) for name, count in segments.items()}
    for name, share in {"standard": 0.6, "high_touch": 0.15, "long_tail": 0.2}.items():
        assert abs(shares[name] - share) < 0.04
    assert 0.02 < shares["public_sector"] < 0.08


def test_current_contracts_spread_around_today(big: tuple[Dataset, list[AccountBundle]]) -> None:
    buckets = Counter(_bucket(c) for c in _current_contracts(big[1]))
    assert set(buckets) == {"expired", "due_in_180_days", "later", "pending"}
    assert buckets["due_in_180_days"] > buckets["pending"]


def test_awkward_start_days_occur(big: tuple[Dataset, list[AccountBundle]]) -> None:
    starts = {o.start_date for o in orders_of(big[1]) if o.order_type == "new"}
    assert any(d.month == 2 and d.day == 29 for d in starts)
    assert any((d + ONE_DAY).day == 1 and d.day > 28 for d in starts)
    assert any(d.day == 15 for d in starts)


# --- validity ------------------------------------------------------------------------------


def test_every_chain_is_valid_by_the_domain_spec(big: tuple[Dataset, list[AccountBundle]]) -> None:
    dataset, data = big
    skus = {p.sku: p for p in dataset.products}
    seen: set[str] = set()
    for bundle in data:
        chains: dict[str, list[GenOrder]] = defaultdict(list)
        for order in bundle.orders:
            assert order.account_key == bundle.account.key
            assert order.amends_key is None or order.amends_key in seen, "amends an earlier order"
            seen.add(order.key)
            chains[order.product].append(order)
        for chain in chains.values():
            _check_chain(chain, skus)


def test_keys_are_unique_and_shaped(big: tuple[Dataset, list[AccountBundle]]) -> None:
    dataset, data = big
    orders = orders_of(data)
    for prefix, keys in {
        "ACC-": [b.account.key for b in data],
        "ORD-": [o.key for o in orders],
        "LIN-": [ln.key for o in orders for ln in o.lines],
        "CAS-": [c.key for b in data for c in b.cases],
        "NPS-": [n.key for b in data for n in b.nps],
        "USR-": [u.key for u in dataset.users],
    }.items():
        assert len(set(keys)) == len(keys)
        assert all(key.startswith(prefix) for key in keys)
    assert len({b.account.name for b in data}) == len(data)
    assert len({b.account.domain for b in data}) == len(data)
    assert len({u.email for u in dataset.users}) == len(dataset.users)
    assert {b.account.owner_key for b in data} <= {u.key for u in dataset.users}


def test_account_names_stay_unique_across_laps_of_the_word_lists() -> None:
    numbers = [*range(1, 30_001), *range(470_000, 500_001)]
    names = [account_name(n) for n in numbers]
    assert len({name for name, _ in names}) == len(numbers)
    assert len({slug for _, slug in names}) == len(numbers)


def test_about_forty_accounts_per_user(big: tuple[Dataset, list[AccountBundle]]) -> None:
    dataset, data = big
    load = Counter(b.account.owner_key for b in data)
    assert 25 <= len(data) / len(dataset.users) <= 45
    assert max(load.values()) <= 70


# --- relative to today ---------------------------------------------------------------------


@pytest.mark.parametrize("today", [date(2019, 7, 31), date(2031, 2, 28)])
def test_every_date_follows_today_not_the_wall_clock(today: date) -> None:
    data = bundles(1_000, today=today)
    now = datetime.combine(today, time(0), tzinfo=UTC)
    for bundle in data:
        for order in bundle.orders:
            if order.status != "open":
                assert order.close_date <= today
        for case in bundle.cases:
            assert now - timedelta(days=180) <= case.created_at < now
            assert case.closed == (case.closed_at is not None)
            assert case.closed_at is None or case.created_at < case.closed_at <= now
        for answer in bundle.nps:
            assert 0 <= answer.score <= 10
            assert now - timedelta(days=365) <= answer.submitted_at < now
    assert _current_contracts(data), "live contracts exist whatever today is"


# --- helpers -------------------------------------------------------------------------------


def _check_chain(chain: list[GenOrder], skus: dict[str, GenProduct]) -> None:
    """Walk one subscription: each order must fit the contract in force when it closed."""
    first, *rest = chain
    assert first.order_type == "new"
    assert first.amends_key is None
    current, owned = first, _full_set(first)
    _check_lines(first, skus)
    for order in rest:
        assert current.order_type != "termination", "nothing follows a termination"
        assert current.end_date is not None
        assert order.amends_key == current.key
        _check_lines(order, skus)
        if order.order_type == "upgrade":
            assert current.start_date <= order.start_date <= current.end_date
            assert order.end_date == current.end_date
            for line in order.lines:
                owned[line.sku] = owned.get(line.sku, 0) + line.quantity
                assert owned[line.sku] >= 0, "a removal takes away only what is owned"
        elif order.order_type == "renewal":
            assert order.start_date == current.end_date + ONE_DAY
            assert order.close_date <= order.start_date
        elif order.order_type == "recast":
            assert current.start_date < order.start_date <= current.end_date
        elif order.order_type == "termination":
            assert current.start_date <= order.start_date <= current.end_date
            assert order.end_date is None or order.start_date <= order.end_date <= current.end_date
            assert order.lines == ()
        if order.status == "closed_won" and order.order_type in {"renewal", "recast"}:
            current, owned = order, _full_set(order)
        elif order.order_type == "termination":
            current = order
        elif order.status != "closed_won":
            assert order is chain[-1], "an open or lost renewal ends the chain"


def _full_set(order: GenOrder) -> dict[str, int]:
    """What a full line set (new, renewal, recast) leaves the customer owning."""
    assert all(line.quantity > 0 for line in order.lines)
    return {line.sku: line.quantity for line in order.lines if line.kind != "one_time"}


def _check_lines(order: GenOrder, skus: dict[str, GenProduct]) -> None:
    for line in order.lines:
        product = skus[line.sku]
        assert (product.kind, product.product) == (line.kind, order.product)
        assert isinstance(line.quantity, int)
        assert line.quantity != 0
        assert line.unit_price > 0
        assert (line.precommit is None) or (line.kind == "usage" and line.precommit > 0)
        assert all(isinstance(d.percent or d.amount, Decimal) for d in line.discounts)
    if order.order_type in {"new", "renewal", "recast"} and order.status == "closed_won":
        assert order.end_date is not None
        assert order.start_date <= order.end_date
        assert order.billed_to_date >= 0


def _renewal_spend(order: GenOrder) -> Decimal:
    """The domain's expected renewal spend of a full line set, recurring discounts applied."""
    total = Decimal(0)
    for line in order.lines:
        if line.kind == "usage":
            total += line.precommit or 0
        elif line.kind != "one_time":
            value = line.quantity * line.unit_price
            for d in line.discounts:
                if d.kind == "recurring":
                    value -= value * d.percent / 100 if d.percent is not None else d.amount or 0
            total += value
    return total


def _current_contracts(data: list[AccountBundle]) -> list[GenOrder]:
    """The contract in force of every subscription that is not terminated."""
    current: dict[tuple[str, str], GenOrder | None] = {}
    for order in orders_of(data):
        key = (order.account_key, order.product)
        if order.order_type == "termination":
            current[key] = None
        elif order.status == "closed_won" and order.order_type != "upgrade":
            current[key] = order
    return [order for order in current.values() if order is not None]


def _bucket(contract: GenOrder) -> str:
    assert contract.end_date is not None
    if contract.start_date > TODAY:
        return "pending"
    if contract.end_date < TODAY:
        return "expired"
    return "due_in_180_days" if (contract.end_date - TODAY).days <= 180 else "later"
