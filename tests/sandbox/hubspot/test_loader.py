"""load(): the dataset written as companies, deals, line items, tickets, feedback and owners."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from crm_sandbox._gen_catalog import PRODUCTS
from crm_sandbox.hubspot import HubSpotSandbox
from crm_sandbox.records import (
    AccountBundle,
    GenAccount,
    GenCase,
    GenDiscount,
    GenLine,
    GenNps,
    GenOrder,
    GenUser,
)

USER = GenUser("U-1", "Ada Lovelace", "ada@example.com")
ACCOUNT = GenAccount("ACC-1", "Acme", "acme.example", "U-1", "high_touch", 50, 41)


def _order(key: str, order_type: str, amends: str | None, status: str = "closed_won") -> GenOrder:
    lines = (
        GenLine(
            f"{key}-L1",
            "ANL-GROWTH",
            "plan",
            1,
            Decimal("12000"),
            discounts=(GenDiscount("recurring", percent=Decimal("10")),),
        ),
        GenLine(f"{key}-L2", "ONBOARD", "one_time", 1, Decimal("5000")),
        GenLine(f"{key}-L3", "API", "usage", 1, Decimal("0"), precommit=Decimal("6000")),
    )
    return GenOrder(
        key,
        f"Acme {order_type}",
        "ACC-1",
        order_type,
        "Analytics",
        amends,
        date(2026, 1, 1),
        date(2026, 12, 31),
        "automatic",
        Decimal("12000"),
        status,
        date(2025, 12, 15),
        lines,
    )


def _bundle() -> AccountBundle:
    orders = (_order("ORD-1", "new", None), _order("ORD-2", "renewal", "ORD-1", status="open"))
    case = GenCase(
        "CAS-1",
        "ACC-1",
        "Login fails",
        "High",
        True,
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 2, 2, tzinfo=UTC),
    )
    nps = GenNps("NPS-1", "ACC-1", 9, datetime(2026, 2, 10, 12, tzinfo=UTC))
    return AccountBundle(ACCOUNT, orders, (case,), (nps,))


def test_a_bundle_becomes_hubspot_records_with_associations() -> None:
    sandbox = HubSpotSandbox()
    report = sandbox.load_bundles([USER], [_bundle()])
    assert (
        report.companies,
        report.deals,
        report.line_items,
        report.tickets,
        report.feedback_submissions,
    ) == (1, 2, 6, 1, 1)
    [company] = sandbox.records("companies")
    assert company.props["renewal_sync_key"] == "ACC-1"
    assert company.props["segment"] == "high_touch"
    assert company.props["hubspot_owner_id"] == sandbox.state.owners[0]["id"]
    new, renewal = sandbox.records("deals")
    # a high-touch account's deals are in the Enterprise pipeline, numeric stages
    assert (new.props["pipeline"], renewal.props["pipeline"]) == ("75330913", "75330913")
    assert (new.props["dealstage"], renewal.props["dealstage"]) == ("104710024", "104710022")
    assert (new.props["hs_is_closed_won"], renewal.props["hs_is_closed"]) == ("true", "false")
    assert renewal.props["renewed_deal_id"] == str(new.id)
    assert new.props["contract_end_date"] == "2026-12-31"
    assert new.props["closedate"] == "2025-12-15T00:00:00.000Z"
    assert "renewal_sync_key" not in new.props  # a generated deal is a person's, not the service's
    plan, onboarding, usage = (
        r
        for r in sandbox.records("line_items")
        if sandbox.associated_ids("line_items", r.id, "deals") == [new.id]
    )
    assert plan.props["recurringbillingfrequency"] == "annually"
    assert plan.props["hs_term_in_months"] == "12"
    assert plan.props["hs_discount_percentage"] == "10"
    assert "recurringbillingfrequency" not in onboarding.props
    assert (usage.props["brick_kind"], usage.props["precommit_amount"]) == ("usage", "6000")
    assert sandbox.associated_ids("line_items", plan.id, "deals") == [new.id]
    [ticket] = sandbox.records("tickets")
    assert (ticket.props["hs_ticket_priority"], ticket.props["hs_pipeline_stage"]) == ("HIGH", "4")
    assert ticket.props["time_to_close"] == str(24 * 3600 * 1000)
    [answer] = sandbox.records("feedback_submissions")
    assert (answer.props["hs_value"], answer.props["hs_response_group"]) == ("9", "PROMOTER")
    assert sandbox.associated_ids("feedback_submissions", answer.id, "companies") == [company.id]
    assert sandbox.ledger.total == 0


def test_the_product_library_is_loaded_once_and_line_items_point_at_their_product() -> None:
    """Products carry sku, yearly price and billing period; a line item of a catalogue sku
    names its product in `hs_product_id`
    (https://developers.hubspot.com/docs/api-reference/latest/crm/objects/line-items/guide)."""
    sandbox = HubSpotSandbox()
    report = sandbox.load_bundles([USER], [_bundle()])
    sandbox.load_bundles([], [])  # a second load keeps the library as it is
    products = {r.props["hs_sku"]: r for r in sandbox.records("products")}
    assert report.products == len(products) == len(PRODUCTS)
    seat = products["ANL-SEAT"]
    assert (seat.props["price"], seat.props["recurringbillingfrequency"]) == ("300", "annually")
    assert seat.props["hs_recurring_billing_period"] == "P12M"
    assert "recurringbillingfrequency" not in products["ANL-ONBOARDING"].props
    items = sandbox.records("line_items")
    linked = [i for i in items if i.props["hs_sku"] in products]
    assert linked, "the bundle has catalogue skus"
    for item in linked:
        assert item.props["hs_product_id"] == str(products[item.props["hs_sku"]].id)
    assert all("hs_product_id" not in i.props for i in items if i not in linked)


def test_loaded_records_are_served(client, sandbox) -> None:
    sandbox.load_bundles([USER], [_bundle()])
    owners = client.crm.owners.owners_api.get_page()
    assert owners.results[0].email == "ada@example.com"
    deals = client.crm.deals.search_api.do_search(
        {
            "filterGroups": [
                {"filters": [{"propertyName": "order_type", "operator": "EQ", "value": "renewal"}]}
            ]
        }
    )
    assert deals.total == 1


def test_a_generated_dataset_loads_fast() -> None:
    datagen = pytest.importorskip("crm_sandbox.datagen")
    dataset = datagen.generate(2_000, seed=7, today=date(2026, 1, 5))
    sandbox = HubSpotSandbox()
    began = time.perf_counter()
    report = sandbox.load(dataset)
    elapsed = time.perf_counter() - began
    assert report.deals == 2_000
    assert elapsed < 5
