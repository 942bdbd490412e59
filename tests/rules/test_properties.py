"""Property tests of the rules (issue 2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from contract_rules import (
    BrickKind,
    CreditPolicy,
    Discount,
    DiscountKind,
    Order,
    OrderType,
    RuleSettings,
    Term,
    TermLength,
    build_chain,
    evaluate,
    evaluation_report,
    next_term,
    recast_credits,
    renewal_due,
    term_end,
    term_length,
)
from tests.rules.builders import D, line, new_order, order, seats, upgrade

AS_OF = date(2026, 9, 1)
SETTINGS = RuleSettings()
money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
quantities = st.integers(min_value=1, max_value=500)
mid_term_days = st.dates(min_value=date(2026, 1, 2), max_value=date(2026, 12, 31))


def _amount(orders: list[Order]) -> Decimal:
    renewal = renewal_due(build_chain(orders, SETTINGS), AS_OF, SETTINGS)
    assert renewal is not None
    return renewal.spend.amount


@given(price=money, quantity=quantities)
def test_adding_a_one_time_line_never_changes_the_renewal_amount(price, quantity):
    base = new_order()
    extra = new_order(lines=(*base.lines, line("PS", BrickKind.ONE_TIME, quantity, str(price))))
    assert _amount([extra]) == _amount([base])


@given(
    discount=st.one_of(
        money.map(lambda a: ("amount", a)), st.integers(0, 100).map(lambda p: ("percent", D(p)))
    )
)
def test_adding_a_one_time_discount_never_changes_the_renewal_amount(discount):
    field, value = discount
    one_time = Discount(kind=DiscountKind.ONE_TIME, **{field: value})
    base = new_order()
    first, *rest = base.lines
    discounted = replace(first, discounts=(*first.discounts, one_time))
    assert _amount([new_order(lines=(discounted, *rest))]) == _amount([base])


@given(permutation=st.permutations(range(5)))
def test_the_order_of_the_input_orders_does_not_matter(permutation):
    orders = [
        new_order(),
        upgrade("O-2", date(2026, 3, 1), (seats(10),)),
        upgrade("O-3", date(2026, 6, 1), (seats(-4, "300"),)),
        upgrade("O-4", date(2026, 6, 1), (seats(2, "250"),), product="Other"),
        order(
            "O-5",
            OrderType.RENEWAL,
            date(2027, 1, 1),
            date(2027, 12, 31),
            (seats(9),),
            amends="O-1",
        ),
    ]
    shuffled = [orders[i] for i in permutation]
    expected = evaluation_report(evaluate([], orders, AS_OF, SETTINGS))
    assert evaluation_report(evaluate([], shuffled, AS_OF, SETTINGS)) == expected


@given(quantity=quantities, price=money, day=mid_term_days)
def test_an_upgrade_followed_by_its_exact_reverse_returns_the_original_amount(quantity, price, day):
    added = seats(quantity, str(price))
    removed = replace(added, quantity=-added.quantity)
    orders = [
        new_order(),
        upgrade("O-2", day, (added,)),
        upgrade("O-3", day + timedelta(days=0), (removed,), amends="O-2"),
    ]
    assert _amount(orders) == _amount([new_order()])


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    months=st.integers(min_value=1, max_value=60),
    extra_days=st.integers(min_value=0, max_value=27),
)
def test_consecutive_terms_are_contiguous_and_keep_their_length(start, months, extra_days):
    first = Term(start, term_end(start, TermLength(months, extra_days)))
    second = next_term(first)
    third = next_term(second)
    assert second.start == first.end + timedelta(days=1)
    assert third.start == second.end + timedelta(days=1)
    assert (
        term_length(second.start, second.end).months == term_length(first.start, first.end).months
    )


@settings(max_examples=60)
@given(
    billed=money,
    recast_day=mid_term_days,
    price=money,
    policy=st.sampled_from(list(CreditPolicy)),
)
def test_a_recast_credit_is_never_negative_nor_above_what_was_billed(
    billed, recast_day, price, policy
):
    plan = (line("GROWTH", BrickKind.PLAN, 1, str(price)),)
    orders = [
        new_order(lines=plan, billed=str(billed)),
        order("O-9", OrderType.RECAST, recast_day, recast_day + timedelta(days=364), amends="O-1"),
    ]
    chosen = RuleSettings(credit_policy=policy)
    (credit,) = recast_credits(build_chain(orders, chosen), chosen)
    assert D(0) <= credit.amount <= billed
