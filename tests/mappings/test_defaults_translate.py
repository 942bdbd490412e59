"""The shipped defaults turn realistic flat records of each CRM into the domain's worked example."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contract_rules import (
    BrickKind,
    OrderStatus,
    OrderType,
    RuleSettings,
    build_chain,
    renewal_due,
)
from mappings import (
    LineRecord,
    Mapping,
    OrderRecord,
    associations_for,
    fields_for,
    lines_by_order,
    load_default,
    to_account,
    to_case,
    to_nps,
    to_order,
    to_price,
    to_user,
)
from tests.mappings.records import (
    hs_deal,
    hs_worked_example_lines,
    sf_line,
    sf_opportunity,
    sf_worked_example_lines,
)

D = Decimal


@pytest.fixture(scope="module")
def salesforce() -> Mapping:
    return load_default("salesforce")


@pytest.fixture(scope="module")
def hubspot() -> Mapping:
    return load_default("hubspot")


def expected_spend(mapping: Mapping, *records: OrderRecord) -> Decimal:
    settings = RuleSettings(upgrade_lines=mapping.settings.upgrade_lines)
    chain = build_chain([r.order for r in records], settings)
    renewal = renewal_due(chain, date(2026, 9, 1), settings)
    assert renewal is not None
    return renewal.spend.amount


def test_salesforce_worked_example_renews_at_22500(salesforce):
    result = to_order(sf_opportunity(), sf_worked_example_lines(), salesforce)
    assert isinstance(result, OrderRecord)
    order = result.order
    assert (order.type, order.status, order.product) == (
        OrderType.NEW,
        OrderStatus.CLOSED_WON,
        "Analytics",
    )
    assert [ln.kind for ln in order.lines] == [
        BrickKind.PLAN,
        BrickKind.SUBSCRIPTION,
        BrickKind.ONE_TIME,
        BrickKind.USAGE,
        BrickKind.USAGE,
    ]
    assert expected_spend(salesforce, result) == D("22500.00")


def test_salesforce_upgrade_adding_ten_seats_renews_at_25350(salesforce):
    new = to_order(sf_opportunity(), sf_worked_example_lines(), salesforce)
    upgrade = to_order(
        sf_opportunity(
            Id="006A1", Type="Existing Customer - Upgrade", Contract_End_Date__c=None,
            Contract_Start_Date__c="2026-07-01", Amended_Opportunity__c="006A0",
        ),
        [sf_line(9, "SEAT", "subscription", 10.0, 300.0, Discount=5.0, OpportunityId="006A1")],
        salesforce,
    )  # fmt: skip
    assert isinstance(new, OrderRecord)
    assert isinstance(upgrade, OrderRecord)
    assert upgrade.order.amends == "006A0"
    assert expected_spend(salesforce, new, upgrade) == D("25350.00")


def test_salesforce_extras_next_to_the_order(salesforce):
    result = to_order(sf_opportunity(), sf_worked_example_lines(), salesforce)
    assert isinstance(result, OrderRecord)
    assert (result.owner_id, result.amount, result.stage, result.sync_key) == (
        "005A0",
        D("33800.0"),
        "Closed Won",
        "order:A0",
    )
    assert (result.name, result.is_closed, result.close_date) == (
        "Acme - Analytics",
        True,
        date(2025, 12, 15),
    )
    first = result.lines[0]
    assert isinstance(first, LineRecord)
    assert (first.id, first.order_id, first.price_entry_id) == ("00kA1", "006A0", "01uA1")


def test_hubspot_worked_example_renews_at_22500_with_monthly_seats(hubspot):
    result = to_order(hs_deal(), hs_worked_example_lines(), hubspot)
    assert isinstance(result, OrderRecord)
    seats = result.order.lines[1]
    assert (seats.kind, seats.unit_price) == (BrickKind.SUBSCRIPTION, D(300))
    assert seats.discounts[0].amount == D(300)  # $15 per seat x 20 seats
    assert result.order.lines[2].kind is BrickKind.ONE_TIME  # no brick_kind, no billing frequency
    assert result.order.account_id == "9001"
    assert expected_spend(hubspot, result) == D("22500.00")


def test_hubspot_dates_are_utc_days(hubspot):
    deal = hs_deal(contract_end_date="1798675200000")  # 2026-12-31T00:00:00Z in epoch ms
    result = to_order(deal, hs_worked_example_lines(), hubspot)
    assert isinstance(result, OrderRecord)
    assert result.order.end_date == date(2026, 12, 31)
    assert result.close_date == date(2025, 12, 15)


def test_lines_are_grouped_by_their_order(salesforce, hubspot):
    other = sf_line(7, "X", "plan", 1.0, 1.0, OpportunityId="006B0")
    grouped = lines_by_order([*sf_worked_example_lines(), other], salesforce)
    assert {k: len(v) for k, v in grouped.items()} == {"006A0": 5, "006B0": 1}
    assert set(lines_by_order(hs_worked_example_lines(), hubspot)) == {"101"}


def test_accounts_from_each_crm(salesforce, hubspot):
    sf = {"Id": "001A0", "Name": "Acme", "OwnerId": "005A0", "Segment__c": None,
          "Licensed_Seats__c": 50.0, "Active_Seats__c": 40.0, "Renewal_Sync_Key__c": "acct:1",
          "Website": "https://www.Acme.example/about"}  # fmt: skip
    account, extras = to_account(sf, salesforce)  # type: ignore[misc]
    assert (account.id, account.segment, account.owner) == ("001A0", "standard", "005A0")
    assert (extras.licensed_seats, extras.domain) == (D(50), "acme.example")
    hs = {"id": "9001", "name": "Acme", "segment": "high_touch", "domain": "acme.example"}
    account, extras = to_account(hs, hubspot)  # type: ignore[misc]
    assert (account.segment, extras.domain) == ("high_touch", "acme.example")


def test_cases_and_tickets(salesforce, hubspot):
    case = to_case({"Id": "500A", "AccountId": "001A0", "Priority": "High", "IsClosed": False,
                    "CreatedDate": "2026-03-01T09:30:00.000+0000"}, salesforce)  # fmt: skip
    assert (case.priority, case.is_closed, case.created_at.day) == ("high", False, 1)  # type: ignore[union-attr]
    ticket = to_case({"id": "7", "hs_ticket_priority": "URGENT", "hs_pipeline_stage": "4",
                      "@associations.companies": ["9001"]}, hubspot)  # fmt: skip
    assert (ticket.priority, ticket.is_closed, ticket.account_id) == ("high", True, "9001")  # type: ignore[union-attr]


def test_nps_users_and_prices(salesforce, hubspot):
    nps = to_nps({"Id": "a00A", "Account__c": "001A0", "Score__c": 9.0}, salesforce)
    assert nps.score == D(9)  # type: ignore[union-attr]
    answer = to_nps({"id": "5", "hs_value": "3", "@associations.companies": ["9001"]}, hubspot)
    assert answer.account_id == "9001"  # type: ignore[union-attr]
    owner = to_user({"id": "70000001", "email": "a@x.example", "archived": False}, hubspot)
    assert owner.is_active is True  # type: ignore[union-attr]
    price = to_price({"Id": "01uA", "Product2.ProductCode": "SEAT", "UnitPrice": 300.0,
                      "Pricebook2.IsStandard": True}, salesforce)  # fmt: skip
    assert (price.sku, price.unit_price, price.is_standard) == ("SEAT", D(300), True)  # type: ignore[union-attr]


def test_the_connector_reads_only_mapped_fields(salesforce, hubspot):
    assert fields_for(salesforce, "line")[:4] == (
        "Id",
        "OpportunityId",
        "Product2.ProductCode",
        "Product2.Brick_Kind__c",
    )
    assert "One_Time_Discount_Percent__c" in fields_for(salesforce, "line")
    assert "recurringbillingfrequency" in fields_for(hubspot, "line")
    assert associations_for(hubspot, "line") == ("deals",)
    assert associations_for(hubspot, "order") == ("companies",)
