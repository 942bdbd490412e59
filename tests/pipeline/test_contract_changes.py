"""The contract changes real orgs make, end to end on both CRMs (issue 13; domain spec,
"Subscriptions and renewal identity"): a recast to another product, a corrected end date,
and renewals keyed by the first scheme, migrated rather than duplicated."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm_sandbox.records import GenLine
from sync.pipeline.keys import legacy_renewal_key
from tests.pipeline.conftest import MakeOrg
from tests.pipeline.scenarios import contract

D = Decimal
WORKED_EXAMPLE: tuple[()] = ()


def test_a_recast_to_another_product_replaces_the_renewal_with_one_for_the_new_product(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    assert org.run(today=date(2026, 4, 1)).status == "succeeded"
    old = org.renewal("Analytics:2027-01-01")
    recast = org.person_books_recast(
        org.contract_id(), "Platform", "PLT-GROWTH", 18_000, date(2026, 5, 1), date(2027, 4, 30)
    )
    result = org.run(today=date(2026, 5, 2))
    assert result.status == "succeeded", result.error
    assert not [e for e in org.store.errors.open(org.crm) if e.code.endswith("order")]
    closed = next(r for r in org.renewals() if r.id == old.id)
    assert closed.stage == "lost"
    assert closed.loss_reason is not None
    assert f"Replaced by recast {recast}" in closed.loss_reason
    new = org.renewal("Platform:2027-05-01")
    assert new.renews == recast
    assert new.stage == "open"
    assert new.amount == D("18000.00")
    assert new.close_date == "2027-04-30"
    assert [r.id for r in org.renewals() if r.stage == "open"] == [new.id]
    org.reset_ledger()
    assert org.run(today=date(2026, 5, 2)).status == "succeeded"
    assert org.writes() == 0


def test_an_upgrade_to_another_product_is_refused_with_the_hint_to_record_a_recast(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    org.run(today=date(2026, 4, 1))
    upgrade = org.person_books_upgrade(org.contract_id(), 5, date(2026, 5, 1))
    org.person_changes_product(upgrade, "Platform")
    org.run(today=date(2026, 5, 2))
    (error,) = [e for e in org.store.errors.open(org.crm) if e.record_key == upgrade]
    assert error.code == "cross_product_upgrade"
    assert "record this change as a recast" in error.message
    assert org.renewal("Analytics:2027-01-01").amount == D("22500.00")  # unchanged


def test_a_corrected_end_date_re_dates_the_same_renewal_and_moves_its_tasks_keeping_edits(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"
    before = org.renewal("Analytics:2027-01-01")
    moved_to = org.person_moves_stage(before.id)
    tasks_before = {t.subject: t for t in org.tasks_of(before.id)}
    org.person_corrects_end_date(org.contract_id(), date(2027, 1, 31))
    assert org.run(today=date(2026, 7, 1)).status == "succeeded"
    (after,) = org.renewals()
    assert after.id == before.id  # the same record, not a new one beside a lost one
    assert after.key == before.key
    assert after.close_date == "2027-01-31"
    # the renewal term has the corrected term's length: 13 months
    assert (after.term_start, after.term_end) == ("2027-02-01", "2028-02-29")
    assert after.stage_name == moved_to  # a person's stage stays
    tasks_after = {t.subject: t for t in org.tasks_of(after.id)}
    assert set(tasks_after) == set(tasks_before)
    assert {t.id for t in tasks_after.values()} == {t.id for t in tasks_before.values()}
    # 150, 90 and 60 days before 2027-01-31, on a weekday
    assert sorted(t.due for t in tasks_after.values()) == ["2026-09-03", "2026-11-02", "2026-12-02"]
    assert not any(t.completed for t in tasks_after.values())


def test_renewals_keyed_by_the_first_scheme_are_migrated_not_duplicated(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"
    renewal = org.renewal("Analytics:2027-01-01")
    tasks = {t.id for t in org.tasks_of(renewal.id)}
    account = org.account().id
    legacy = legacy_renewal_key(account, "Analytics", date(2027, 1, 1))
    org.rewind_keys(renewal.key, legacy)  # as the first scheme left them, state included
    assert org.renewal("Analytics:2027-01-01").key == legacy
    result = org.run(today=date(2026, 7, 1))
    assert result.status == "succeeded", result.error
    assert result.stats.get("rekeyed.renewal") == 1
    (after,) = org.renewals()
    assert (after.id, after.key) == (renewal.id, renewal.key)
    assert {t.id for t in org.tasks_of(after.id)} == tasks
    assert all(t.key.startswith(f"{renewal.key}:task:") for t in org.tasks_of(after.id))
    assert org.lines_total(after.id) == D("22500.00")
    org.reset_ledger()
    assert org.run(today=date(2026, 7, 1)).status == "succeeded"
    assert org.writes() == 0


def test_roll_ups_are_cleared_when_their_value_is_gone_not_left_at_the_last_one(
    make_org: MakeOrg,
) -> None:
    """Domain spec: when an account has no live contract left, its next renewal date and
    open renewal amount are cleared; a health score with no data left is cleared."""
    org = make_org(orders=WORKED_EXAMPLE)
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"
    before = org.account()
    assert before.next_renewal_date == "2026-12-31"
    assert before.open_renewal_amount == D("22500.00")
    assert before.health_score is not None
    org.person_books_termination(org.contract_id(), date(2026, 7, 10))
    org.person_clears_seat_counts(before.id)
    assert org.run(today=date(2026, 7, 11)).status == "succeeded"
    after = org.account()
    assert after.next_renewal_date is None
    assert after.open_renewal_amount is None
    assert after.health_score is None
    assert after.health_tier is None
    org.reset_ledger()
    assert org.run(today=date(2026, 7, 11)).status == "succeeded"
    assert org.writes() == 0


def test_a_renewal_a_person_deleted_stays_deleted_and_its_contract_is_reported(
    make_org: MakeOrg,
) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"
    renewal = org.renewal("Analytics:2027-01-01")
    org.person_deletes_renewal(renewal.id)
    assert org.run(today=date(2026, 7, 1)).status == "succeeded"
    assert [r for r in org.renewals() if r.stage == "open"] == []
    (error,) = [e for e in org.store.errors.open(org.crm) if e.code == "RENEWAL_DELETED"]
    assert error.record_key == renewal.key
    assert org.contract_id() in error.message
    assert "raise_deleted_renewals" in error.message
    assert org.account().open_renewal_amount is None
    org.reset_ledger()
    assert org.run(today=date(2026, 7, 1)).status == "succeeded"
    assert org.writes() == 0


def test_with_the_setting_a_deleted_renewal_is_raised_again_whole(make_org: MakeOrg) -> None:
    org = make_org(orders=WORKED_EXAMPLE)
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"
    first = org.renewal("Analytics:2027-01-01")
    org.person_deletes_renewal(first.id)
    result = org.run(today=date(2026, 7, 1), raise_deleted_renewals=True)
    assert result.status == "succeeded", result.error
    again = org.renewal("Analytics:2027-01-01")
    assert again.id != first.id
    assert again.key == first.key
    assert again.amount == D("22500.00")
    assert org.lines_total(again.id) == D("22500.00")
    assert len(org.tasks_of(again.id)) == 3


def test_the_recast_credit_is_written_on_the_recast_and_shown_in_the_renewal_ledger(
    make_org: MakeOrg,
) -> None:
    """Domain spec, "Recast credit": Growth $12,000 billed up front for 2026, recast to
    Enterprise from 2026-05-01: 120 of 365 days used, credit 12,000 x 245/365 = $8,054.79."""
    growth_only = (GenLine("L-1", "ANL-GROWTH", "plan", 1, D(12000)),)
    org = make_org(orders=(contract(lines=growth_only),))
    assert org.run(today=date(2026, 4, 1)).status == "succeeded"
    contract_id = org.contract_id()
    org.person_records_billing(contract_id, D(12_000))  # the year billed up front
    recast = org.person_books_recast(
        contract_id, "Analytics", "ANL-ENTERPRISE", 30_000, date(2026, 5, 1), date(2027, 4, 30)
    )
    assert org.run(today=date(2026, 5, 2)).status == "succeeded"
    credit, note = org.recast_credit(recast)
    assert credit == D("8054.79")
    assert contract_id in note
    assert "billed 12000.00" in note
    renewal = org.renewal("Analytics:2027-05-01")
    assert renewal.amount == D("30000.00")  # a one-time discount: not renewed
    assert "recast credit 8054.79" in renewal.ledger
    org.reset_ledger()
    assert org.run(today=date(2026, 5, 2)).status == "succeeded"
    assert org.writes() == 0


def test_a_recast_of_a_recast_credits_the_unused_part_of_the_net_bill(make_org: MakeOrg) -> None:
    """Domain spec: Enterprise $30,000 from 2026-05-01 billed net of the $8,054.79 credit
    ($21,945.21), recast again from 2026-11-01: credit = 21,945.21 x 181/365 = $10,882.42."""
    growth_only = (GenLine("L-1", "ANL-GROWTH", "plan", 1, D(12000)),)
    org = make_org(orders=(contract(lines=growth_only),))
    contract_id = org.contract_id()
    org.person_records_billing(contract_id, D(12_000))
    first = org.person_books_recast(
        contract_id, "Analytics", "ANL-ENTERPRISE", 30_000, date(2026, 5, 1), date(2027, 4, 30)
    )
    org.person_records_billing(first, D("21945.21"))  # billed net of the first credit
    second = org.person_books_recast(
        first, "Analytics", "ANL-ENTERPRISE", 30_000, date(2026, 11, 1), date(2027, 10, 31)
    )
    assert org.run(today=date(2026, 11, 2)).status == "succeeded"
    assert org.recast_credit(first)[0] == D("8054.79")
    credit, note = org.recast_credit(second)
    assert credit == D("10882.42")
    assert first in note
    assert org.renewal("Analytics:2027-11-01").amount == D("30000.00")


def test_a_15_month_renewal_has_lines_summing_to_its_amount(make_org: MakeOrg) -> None:
    """The worked example's $22,500 a year over 15 months renews at $28,125. Salesforce sums
    the lines' TotalPrice; HubSpot shows each line's total contract value (`hs_tcv`: the
    amount times the billing periods in `hs_recurring_billing_period`, P15M), so the
    service writes the term on every HubSpot line."""
    org = make_org(orders=(contract(end=date(2027, 3, 31)),))
    assert org.run(today=date(2026, 12, 1)).status == "succeeded"
    renewal = org.renewal("Analytics:2027-04-01")
    assert (renewal.term_start, renewal.term_end) == ("2027-04-01", "2028-06-30")
    assert renewal.amount == D("28125.00")
    assert org.lines_total(renewal.id) == D("28125.00")
    org.reset_ledger()
    assert org.run(today=date(2026, 12, 1)).status == "succeeded"
    assert org.writes() == 0


def test_list_pricing_reads_the_crm_price_book_and_the_settings_table_overrides_it(
    make_org: MakeOrg,
) -> None:
    """`pricing = "list"` renews at today's price book: Salesforce's active standard
    PricebookEntry, HubSpot's product library (a product's `price` per billing period,
    https://developers.hubspot.com/docs/api-reference/latest/crm/objects/products/guide).
    A sku in the settings' `list_prices` keeps the price agreed there.

    The worked example after the book raises ANL-GROWTH to 13,200 and ANL-SEAT to 330, with
    ANL-SEAT held at 315 in the settings: 13,200 less 10 % is 11,880.00; 20 seats at 315 less
    5 % is 5,985.00; the usage pre-commitment renews as committed, 6,000.00. Total 23,865.00."""
    org = make_org(orders=WORKED_EXAMPLE)
    org.person_changes_list_price("ANL-GROWTH", D(13_200))
    org.person_changes_list_price("ANL-SEAT", D(330))
    rules = {"pricing": "list", "list_prices": {"ANL-SEAT": "315"}}
    result = org.run(today=date(2026, 9, 1), rules=rules)
    assert result.status == "succeeded", result.error
    renewal = org.renewal("Analytics:2027-01-01")
    assert renewal.amount == D("23865.00")
    assert org.lines_total(renewal.id) == D("23865.00")
    assert "13200.00" in renewal.ledger
    assert "315.00" in renewal.ledger
    org.reset_ledger()
    assert org.run(today=date(2026, 9, 1), rules=rules).status == "succeeded"
    assert org.writes() == 0
    org.person_changes_list_price("ANL-GROWTH", D(12_000))  # the book moves back
    assert org.run(today=date(2026, 9, 1), rules=rules).status == "succeeded"
    assert org.renewal("Analytics:2027-01-01").amount == D("22785.00")
