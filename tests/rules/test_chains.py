"""Order chains: contract states on any date, and one test per validation error."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from contract_rules import (
    BrickKind,
    ContractState,
    ErrorCode,
    Line,
    Order,
    OrderStatus,
    OrderType,
    RuleSettings,
    UpgradeLines,
    build_chain,
    renewal_due,
)
from tests.rules.builders import D, line, new_order, order, seats, upgrade

SETTINGS = RuleSettings()
GROWTH = (line("GROWTH", BrickKind.PLAN, 1, "12000"),)


def _chain(*orders, settings: RuleSettings = SETTINGS):
    return build_chain(orders, settings)


def _only_error(*orders, settings: RuleSettings = SETTINGS):
    (error,) = _chain(*orders, settings=settings).errors
    return error


def _renewal_order(start: date = date(2027, 1, 1), end: date = date(2027, 12, 31)) -> Order:
    return order("O-5", OrderType.RENEWAL, start, end, GROWTH, amends="O-1")


@pytest.mark.parametrize(
    ("day", "state"),
    [
        (date(2025, 12, 31), ContractState.PENDING),
        (date(2026, 1, 1), ContractState.ACTIVE),
        (date(2026, 12, 31), ContractState.ACTIVE),
        (date(2027, 1, 1), ContractState.EXPIRED),
    ],
)
def test_a_lone_contract_is_pending_active_then_expired(day, state):
    (contract,) = _chain(new_order()).contracts
    assert contract.state_on(day) is state


def test_a_renewed_contract_stays_active_until_its_end_then_is_renewed():
    first, second = _chain(new_order(), _renewal_order()).contracts
    assert first.state_on(date(2026, 12, 31)) is ContractState.ACTIVE
    assert first.state_on(date(2027, 1, 1)) is ContractState.RENEWED
    assert second.state_on(date(2026, 6, 1)) is ContractState.PENDING


def test_a_recast_supersedes_the_current_contract_from_its_start():
    recast = order("O-9", OrderType.RECAST, date(2026, 5, 1), date(2027, 4, 30), amends="O-1")
    first, _ = _chain(new_order(), recast).contracts
    assert first.state_on(date(2026, 4, 30)) is ContractState.ACTIVE
    assert first.state_on(date(2026, 5, 1)) is ContractState.SUPERSEDED


def test_termination_at_the_renewal_date_keeps_the_contract_active_until_its_end():
    ending = order("O-7", OrderType.TERMINATION, date(2026, 3, 1), None, amends="O-1")
    chain = _chain(new_order(), ending)
    (contract,) = chain.contracts
    assert contract.state_on(date(2026, 12, 31)) is ContractState.ACTIVE
    assert contract.state_on(date(2027, 1, 1)) is ContractState.TERMINATED
    assert renewal_due(chain, date(2026, 6, 1), SETTINGS) is None


def test_termination_on_a_given_date_ends_service_after_that_day():
    ending = order("O-7", OrderType.TERMINATION, date(2026, 3, 1), date(2026, 6, 30), amends="O-1")
    (contract,) = _chain(new_order(), ending).contracts
    assert contract.state_on(date(2026, 6, 30)) is ContractState.ACTIVE
    assert contract.state_on(date(2026, 7, 1)) is ContractState.TERMINATED


def test_open_and_lost_orders_grant_nothing():
    open_up = upgrade("O-2", date(2026, 7, 1), (seats(10),), status=OrderStatus.OPEN)
    lost_up = upgrade("O-3", date(2026, 7, 1), (seats(5),), status=OrderStatus.CLOSED_LOST)
    chain = _chain(new_order(), open_up, lost_up)
    assert chain.errors == ()
    assert chain.contracts[0].upgrade_ids == ()


def test_full_set_upgrades_replace_the_lines():
    settings = RuleSettings(upgrade_lines=UpgradeLines.FULL_SET)
    up = upgrade("O-2", date(2026, 7, 1), (*GROWTH, seats(30)))
    (contract,) = _chain(new_order(), up, settings=settings).contracts
    assert [(p.sku, p.quantity) for p in contract.final.lines] == [
        ("GROWTH", D(1)),
        ("SEAT", D(30)),
    ]
    assert [p.sku for p in contract.entitlements_on(date(2026, 6, 30)).lines][:2] == [
        "GROWTH",
        "SEAT",
    ]


def test_cross_product_upgrade_is_rejected_and_says_to_use_a_recast():
    bad = upgrade("O-2", date(2026, 7, 1), (seats(1),), product="Reporting")
    error = _only_error(new_order(), bad)
    assert error.code is ErrorCode.CROSS_PRODUCT_UPGRADE
    assert error.order_id == "O-2"
    assert "recast" in error.message


def test_upgrade_outside_the_contract_dates_is_rejected():
    error = _only_error(new_order(), upgrade("O-2", date(2027, 2, 1), (seats(1),)))
    assert error.code is ErrorCode.UPGRADE_OUTSIDE_CONTRACT
    assert "O-2" in error.message
    assert "fix the dates" in error.message


def test_upgrade_that_moves_the_end_date_is_rejected():
    moved = order(
        "O-2", OrderType.UPGRADE, date(2026, 7, 1), date(2027, 6, 30), (seats(1),), amends="O-1"
    )
    assert _only_error(new_order(), moved).code is ErrorCode.UPGRADE_OUTSIDE_CONTRACT


def test_removing_more_than_is_owned_is_rejected_and_keeps_the_last_valid_state():
    chain = _chain(new_order(), upgrade("O-2", date(2026, 7, 1), (seats(-25),)))
    (error,) = chain.errors
    assert error.code is ErrorCode.REMOVAL_EXCEEDS_OWNED
    assert "remove at most 20" in error.message
    seat = next(p for p in chain.contracts[0].final.lines if p.sku == "SEAT")
    assert seat.quantity == D(20)


def test_termination_dated_after_the_end_is_rejected():
    late = order("O-7", OrderType.TERMINATION, date(2026, 3, 1), date(2027, 3, 1), amends="O-1")
    error = _only_error(new_order(), late)
    assert error.code is ErrorCode.TERMINATION_AFTER_END
    assert "2026-12-31 or earlier" in error.message


def test_termination_dated_before_the_start_is_rejected():
    early = order("O-7", OrderType.TERMINATION, date(2025, 3, 1), date(2025, 6, 1), amends="O-1")
    assert _only_error(new_order(), early).code is ErrorCode.TERMINATION_BEFORE_START


def test_an_order_amending_an_unknown_order_is_rejected():
    error = _only_error(new_order(), upgrade("O-2", date(2026, 7, 1), (seats(1),), amends="O-404"))
    assert error.code is ErrorCode.UNKNOWN_AMENDED_ORDER
    assert "O-404" in error.message
    assert "set `amends`" in error.message


def test_a_second_new_contract_overlapping_the_first_is_rejected():
    second = new_order("O-3", start=date(2026, 6, 1), end=date(2027, 5, 31))
    error = _only_error(new_order(), second)
    assert error.code is ErrorCode.OVERLAPPING_CONTRACTS
    assert "O-3" in error.message


def test_a_renewal_starting_before_the_current_end_overlaps():
    error = _only_error(new_order(), _renewal_order(start=date(2026, 12, 1)))
    assert error.code is ErrorCode.OVERLAPPING_CONTRACTS
    assert "starts the day after" in error.message


def test_amending_a_contract_already_renewed_names_the_replacement():
    late_up = upgrade("O-6", date(2027, 2, 1), (seats(1),), amends="O-1")
    error = _only_error(new_order(), _renewal_order(), late_up)
    assert error.code is ErrorCode.AMENDS_REPLACED_CONTRACT
    assert "O-5" in error.message


def test_renewing_a_terminated_contract_is_rejected():
    ending = order("O-7", OrderType.TERMINATION, date(2026, 3, 1), None, amends="O-1")
    error = _only_error(new_order(), ending, _renewal_order())
    assert error.code is ErrorCode.AMENDS_TERMINATED_CONTRACT


def test_amending_a_rejected_order_points_at_it():
    bad = upgrade("O-2", date(2026, 7, 1), (seats(-99),))
    follow = upgrade("O-3", date(2026, 8, 1), (seats(1),), amends="O-2")
    chain = _chain(new_order(), bad, follow)
    assert [e.code for e in chain.errors] == [
        ErrorCode.REMOVAL_EXCEEDS_OWNED,
        ErrorCode.AMENDS_INVALID_ORDER,
    ]
    assert "fix O-2 first" in chain.errors[1].message


def test_a_recast_outside_the_contract_is_rejected():
    recast = order("O-9", OrderType.RECAST, date(2027, 3, 1), date(2028, 2, 29), amends="O-1")
    assert _only_error(new_order(), recast).code is ErrorCode.RECAST_OUTSIDE_CONTRACT


def test_an_amendment_without_any_contract_is_rejected():
    error = _only_error(upgrade("O-2", date(2026, 7, 1), (seats(1),), amends=None))
    assert error.code is ErrorCode.NOTHING_TO_AMEND


def test_null_amends_applies_to_the_latest_contract():
    chain = _chain(new_order(), upgrade("O-2", date(2026, 7, 1), (seats(10),), amends=None))
    assert chain.errors == ()
    assert chain.contracts[0].upgrade_ids == ("O-2",)


def test_an_addition_at_the_same_terms_grows_the_owned_line_field_for_field():
    """The grown line is copied slot by slot without validation (entitlements.py): it must
    equal a validated line, and the copy must know every field of `Line`."""
    assert {f.name for f in dataclasses.fields(Line)} == {
        "sku",
        "kind",
        "quantity",
        "unit_price",
        "precommit",
        "discounts",
    }, "a new Line field must be copied by entitlements._with_quantity"
    chain = _chain(new_order(lines=(seats(20),)), upgrade("O-2", date(2026, 4, 1), (seats(5),)))
    (grown,) = chain.contracts[0].final.lines
    assert grown == seats(25)
    assert type(grown) is Line
    with pytest.raises(dataclasses.FrozenInstanceError):
        grown.quantity = D(1)  # type: ignore[misc]
    shrunk = _chain(
        new_order(lines=(seats(20),)), upgrade("O-2", date(2026, 4, 1), (seats(-5),))
    ).contracts[0]
    assert shrunk.final.lines == (seats(15),)
