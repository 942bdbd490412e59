"""Recast credit: the domain spec example, the alternative policy, and the bounds."""

from __future__ import annotations

from datetime import date

from contract_rules import (
    BrickKind,
    CreditPolicy,
    OrderType,
    RuleSettings,
    build_chain,
    recast_credits,
    renewal_due,
)
from tests.rules.builders import D, line, new_order, order, upgrade

GROWTH = (line("GROWTH", BrickKind.PLAN, 1, "12000"),)
ENTERPRISE = (line("ENTERPRISE", BrickKind.PLAN, 1, "30000"),)


def _recast(start: date, *, billed: str = "12000", policy=CreditPolicy.BY_DAY, extra=()):
    orders = (
        new_order(lines=GROWTH, billed=billed),
        *extra,
        order("O-9", OrderType.RECAST, start, date(2027, 4, 30), ENTERPRISE, amends="O-1"),
    )
    settings = RuleSettings(credit_policy=policy)
    (credit,) = recast_credits(build_chain(orders, settings), settings)
    return credit


def test_recast_credit_example_is_8054_79():
    credit = _recast(date(2026, 5, 1))
    assert credit.amount == D("8054.79")
    assert (credit.order_id, credit.replaces_order_id) == ("O-9", "O-1")


def test_by_month_policy_counts_started_months_in_full():
    assert _recast(date(2026, 5, 1), policy=CreditPolicy.BY_MONTH).amount == D("8000.00")
    assert _recast(date(2026, 5, 2), policy=CreditPolicy.BY_MONTH).amount == D("7000.00")


def test_credit_is_zero_when_less_was_billed_than_delivered():
    assert _recast(date(2026, 5, 1), billed="3000").amount == D("0.00")


def test_credit_counts_an_upgrade_from_its_start_date():
    seats = line("SEAT", BrickKind.SUBSCRIPTION, 10, "365")
    up = upgrade("O-2", date(2026, 3, 1), (seats,), billed="3650")
    credit = _recast(date(2026, 5, 1), billed="12000", extra=(up,))
    # delivered: 12,000 x 120/365 + 3,650 x 61/365; billed 15,650
    assert credit.amount == D("11094.79")


def test_one_time_items_count_as_delivered_at_their_start():
    onboarding = (*GROWTH, line("ONBOARDING", BrickKind.ONE_TIME, 1, "5000"))
    orders = (
        new_order(lines=onboarding, billed="17000"),
        order("O-9", OrderType.RECAST, date(2026, 5, 1), date(2027, 4, 30), amends="O-1"),
    )
    (credit,) = recast_credits(build_chain(orders, RuleSettings()), RuleSettings())
    assert credit.amount == D("8054.79")


def test_recast_credit_does_not_count_toward_the_recast_renewal():
    orders = (
        new_order(lines=GROWTH, billed="12000"),
        order(
            "O-9", OrderType.RECAST, date(2026, 5, 1), date(2027, 4, 30), ENTERPRISE, amends="O-1"
        ),
    )
    renewal = renewal_due(build_chain(orders, RuleSettings()), date(2026, 6, 1), RuleSettings())
    assert renewal is not None
    assert renewal.spend.amount == D("30000.00")
    assert renewal.renews_order_id == "O-9"


def test_a_recast_of_a_recast_credits_the_unused_part_of_the_net_bill():
    """Domain spec: Enterprise $30,000 from 2026-05-01 billed net of the $8,054.79 credit
    ($21,945.21), recast again from 2026-11-01: 184 of 365 days used, credit =
    21,945.21 x 181/365 = $10,882.42 (rounded once, at the end)."""
    orders = (
        new_order(lines=GROWTH, billed="12000"),
        order("O-9", OrderType.RECAST, date(2026, 5, 1), date(2027, 4, 30), ENTERPRISE,
              amends="O-1", billed="21945.21"),
        order("O-10", OrderType.RECAST, date(2026, 11, 1), date(2027, 10, 31), ENTERPRISE,
              amends="O-9"),
    )  # fmt: skip
    first, second = recast_credits(build_chain(orders, RuleSettings()), RuleSettings())
    assert first.amount == D("8054.79")
    assert (second.order_id, second.replaces_order_id) == ("O-10", "O-9")
    assert second.amount == D("10882.42")
