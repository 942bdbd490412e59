"""Expected renewal spend: the domain spec's worked examples and the pricing settings."""

from __future__ import annotations

from datetime import date

from contract_rules import (
    BrickKind,
    Discount,
    DiscountKind,
    PricingMethod,
    RuleSettings,
    build_chain,
    renewal_due,
)
from tests.rules.builders import D, line, new_order, seats, upgrade

AS_OF = date(2026, 9, 1)


def _amount(*orders, settings: RuleSettings | None = None):
    chosen = settings or RuleSettings()
    renewal = renewal_due(build_chain(orders, chosen), AS_OF, chosen)
    assert renewal is not None
    return renewal


def test_worked_example_expected_renewal_spend_is_22500():
    renewal = _amount(new_order())
    assert renewal.spend.amount == D("22500.00")
    assert [ln.value for ln in renewal.spend.lines if ln.included] == [
        D("10800.00"),
        D("5700.00"),
        D("6000.00"),
    ]


def test_ledger_shows_every_line_with_its_reason():
    lines = {ln.sku: ln for ln in _amount(new_order()).spend.lines}
    assert set(lines) == {"GROWTH", "SEAT", "ONBOARDING", "API", "OVERAGE"}
    assert not lines["ONBOARDING"].included
    assert "one-time" in lines["ONBOARDING"].reason
    assert not lines["OVERAGE"].included
    assert "pre-commitment" in lines["OVERAGE"].reason
    assert "one-time discounts not renewed" in lines["GROWTH"].reason


def test_upgrade_adding_ten_seats_mid_term_gives_25350():
    renewal = _amount(new_order(), upgrade("O-2", date(2026, 7, 1), (seats(10),)))
    assert renewal.spend.amount == D("25350.00")
    seat_line = next(ln for ln in renewal.spend.lines if ln.sku == "SEAT")
    assert (seat_line.quantity, seat_line.value) == (D(30), D("8550.00"))


def test_seats_added_at_another_price_get_their_own_ledger_line():
    renewal = _amount(new_order(), upgrade("O-2", date(2026, 7, 1), (seats(10, "250"),)))
    seat_values = [ln.value for ln in renewal.spend.lines if ln.sku == "SEAT"]
    assert seat_values == [D("5700.00"), D("2375.00")]
    assert renewal.spend.amount == D("24875.00")


def test_renewal_term_and_close_date_follow_the_current_contract():
    renewal = _amount(new_order())
    assert (renewal.term.start, renewal.term.end) == (date(2027, 1, 1), date(2027, 12, 31))
    assert renewal.close_date == date(2026, 12, 31)


def test_uplift_pricing_raises_prices_and_precommitments():
    settings = RuleSettings(pricing=PricingMethod.UPLIFT, uplift_percent=D(5))
    renewal = _amount(new_order(), settings=settings)
    assert renewal.spend.amount == D("23625.00")  # 22,500 x 1.05


def test_list_pricing_uses_the_price_book_and_keeps_contract_price_when_missing():
    settings = RuleSettings(pricing=PricingMethod.LIST, list_prices={"GROWTH": D(15000)})
    lines = {ln.sku: ln for ln in _amount(new_order(), settings=settings).spend.lines}
    assert lines["GROWTH"].value == D("13500.00")
    assert lines["SEAT"].value == D("5700.00")
    assert "no list price" in lines["SEAT"].reason


def test_two_year_term_renews_for_two_years_at_twice_the_yearly_rate():
    plan = (line("GROWTH", BrickKind.PLAN, 1, "12000"),)
    renewal = _amount(new_order(lines=plan, start=date(2025, 1, 1), end=date(2026, 12, 31)))
    assert renewal.spend.amount == D("24000.00")
    assert renewal.term.end == date(2028, 12, 31)


def test_partial_month_term_prices_leftover_days_over_365():
    plan = (line("GROWTH", BrickKind.PLAN, 1, "36500"),)
    renewal = _amount(new_order(lines=plan, start=date(2026, 1, 1), end=date(2026, 1, 10)))
    assert renewal.spend.amount == D("1000.00")  # 10 days of 36,500/yr
    assert (renewal.term.start, renewal.term.end) == (date(2026, 1, 11), date(2026, 1, 20))


def test_recurring_amount_discount_is_a_yearly_rate_and_never_makes_a_line_negative():
    yearly_off = Discount(kind=DiscountKind.RECURRING, amount=D(2000))
    huge_off = Discount(kind=DiscountKind.RECURRING, amount=D(99999))
    plan = (
        line("GROWTH", BrickKind.PLAN, 1, "12000", discounts=(yearly_off,)),
        line("EXTRA", BrickKind.SUBSCRIPTION, 1, "100", discounts=(huge_off,)),
    )
    renewal = _amount(new_order(lines=plan, start=date(2025, 1, 1), end=date(2026, 12, 31)))
    assert [ln.value for ln in renewal.spend.lines] == [D("20000.00"), D("0.00")]


def test_each_ledger_line_is_rounded_half_up_and_the_amount_is_their_sum():
    odd = (
        line("A", BrickKind.SUBSCRIPTION, 1, "0.125"),
        line("B", BrickKind.SUBSCRIPTION, 1, "0.125"),
    )
    renewal = _amount(new_order(lines=odd))
    assert [ln.value for ln in renewal.spend.lines] == [D("0.13"), D("0.13")]
    assert renewal.spend.amount == D("0.26")
