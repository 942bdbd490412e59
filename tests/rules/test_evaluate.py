"""The top level: grouping into subscriptions, renewal actions, isolation of errors."""

from __future__ import annotations

from datetime import date

from contract_rules import (
    Account,
    BrickKind,
    ContractState,
    ErrorCode,
    Order,
    OrderType,
    RenewalAction,
    RenewalTerms,
    RuleSettings,
    SubscriptionResult,
    evaluate,
    evaluate_subscription,
    evaluation_report,
)
from tests.rules.builders import D, line, new_order, order, seats, upgrade

SETTINGS = RuleSettings()
ACME = Account(id="A-1", name="Acme", segment="high_touch", owner="dana")


def _one(
    orders: list[Order], as_of: date = date(2026, 9, 1), settings: RuleSettings = SETTINGS
) -> SubscriptionResult:
    (result,) = evaluate([ACME], orders, as_of, settings).subscriptions
    return result


def test_an_upgrade_moves_the_renewal_amount_and_keeps_the_close_date():
    result = _one([new_order(), upgrade("O-2", date(2026, 7, 1), (seats(10),))])
    assert result.state is ContractState.ACTIVE
    assert result.current_order_id == "O-1"
    assert result.renewal is not None
    assert result.renewal.spend.amount == D("25350.00")
    assert result.renewal.owner == "dana"
    assert result.renewal.key == "renewal:O-1"
    assert result.milestones[0].key == "business_review"


def test_cross_product_upgrade_is_reported_on_the_subscription_it_tries_to_change():
    bad = upgrade("O-2", date(2026, 7, 1), (seats(1),), product="Reporting")
    result = _one([new_order(), bad])
    assert [e.code for e in result.errors] == [ErrorCode.CROSS_PRODUCT_UPGRADE]
    assert result.renewal is not None
    assert result.renewal.spend.amount == D("22500.00")


def test_an_error_in_one_subscription_leaves_the_others_alone():
    other = new_order("O-8", product="Reporting", lines=(line("R", BrickKind.PLAN, 1, "1000"),))
    bad = upgrade("O-2", date(2026, 7, 1), (seats(-99),))
    results = evaluate([ACME], [new_order(), bad, other], date(2026, 9, 1), SETTINGS)
    by_product = {s.product: s for s in results.subscriptions}
    assert len(by_product["Analytics"].errors) == 1
    assert by_product["Reporting"].errors == ()
    assert by_product["Reporting"].renewal is not None
    assert by_product["Reporting"].renewal.spend.amount == D("1000.00")


def test_a_renewed_subscription_raises_the_renewal_of_the_new_contract():
    renewal = order(
        "O-5", OrderType.RENEWAL, date(2027, 1, 1), date(2027, 12, 31), (seats(5),), amends="O-1"
    )
    result = _one([new_order(), renewal])
    assert result.current_order_id == "O-1"
    assert result.renewal is not None
    assert result.renewal.renews_order_id == "O-5"
    assert result.renewal.close_date == date(2027, 12, 31)


def test_terminated_subscription_has_no_renewal_and_no_milestones():
    ending = order("O-7", OrderType.TERMINATION, date(2026, 3, 1), None, amends="O-1")
    result = _one([new_order(), ending], as_of=date(2027, 2, 1))
    assert result.state is ContractState.TERMINATED
    assert (result.renewal, result.milestones) == (None, ())


def test_automatic_renewal_past_its_end_is_closed_won_and_manual_flagged_lapsed():
    auto = _one([new_order()], as_of=date(2027, 1, 2))
    manual = _one([new_order(terms=RenewalTerms.MANUAL)], as_of=date(2027, 1, 2))
    assert auto.renewal is not None
    assert manual.renewal is not None
    assert auto.state is ContractState.EXPIRED
    assert auto.renewal.action is RenewalAction.CLOSE_WON
    assert manual.renewal.action is RenewalAction.FLAG_LAPSED


def test_duplicate_order_ids_with_different_content_are_all_rejected():
    clash = new_order("O-1", lines=(line("OTHER", BrickKind.PLAN, 1, "1"),))
    result = _one([new_order(), clash])
    assert {e.code for e in result.errors} == {ErrorCode.DUPLICATE_ORDER_ID}
    assert result.state is None
    assert result.renewal is None


def test_evaluate_subscription_streams_one_subscription_with_its_key():
    result = evaluate_subscription([new_order()], date(2026, 9, 1), SETTINGS)
    assert (result.account_id, result.product) == ("A-1", "Analytics")
    assert result.renewal is not None
    assert result.renewal.spend.amount == D("22500.00")


def test_report_has_the_shape_of_the_issue():
    report = evaluation_report(evaluate([ACME], [new_order()], date(2026, 9, 1), SETTINGS))
    (sub,) = report["subscriptions"]
    assert set(sub) >= {
        "account_id",
        "product",
        "state",
        "current_order_id",
        "renewal",
        "recast_credits",
        "milestones",
        "errors",
    }
    assert sub["renewal"]["amount"] == "22500.00"
    assert sub["renewal"]["term_start"] == "2027-01-01"
    assert {"sku", "included", "reason", "value"} <= set(sub["renewal"]["lines"][0])
