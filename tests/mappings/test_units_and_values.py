"""Unit conversion (per year, month, quarter, term, billing frequency) and value maps both ways."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from mappings import RenewalIntent, RenewalLineIntent, TranslationError, render, to_line, to_order
from mappings.coerce import comparable
from tests.mappings.helpers import load_text, minimal, ok, variant

D = Decimal


def line(**more: object) -> dict[str, object]:
    record: dict[str, object] = {"Id": "00k1", "OpportunityId": "006", "ProductCode": "SEAT",
              "Kind__c": "subscription", "Quantity": 20}  # fmt: skip
    return record | more


def order(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "Id": "006", "AccountId": "001", "Type": "New", "StageName": "Closed Won",
        "Family__c": "Analytics", "Start__c": "2026-01-01", "End__c": "2026-12-31",
    }  # fmt: skip
    return record | changes


def test_a_monthly_price_is_read_as_twelve_times_the_month():
    assert ok(to_line(line(UnitPrice=25), minimal())).line.unit_price == D(300)


@pytest.mark.parametrize(
    ("per", "crm_price", "yearly"),
    [("year", "300", D(300)), ("quarter", "75", D(300)), ("half_year", "150", D(300))],
)
def test_fixed_units(per, crm_price, yearly):
    mapping = load_text(variant("per: month", f"per: {per}"))
    assert ok(to_line(line(UnitPrice=crm_price), mapping)).line.unit_price == yearly


def test_a_term_price_is_divided_by_the_term_months_and_times_twelve():
    mapping = load_text(variant("per: month", "per: term"))
    result = to_order(order(End__c="2027-06-30"), [line(UnitPrice=450)], mapping)  # 18 months
    assert ok(result).order.lines[0].unit_price == D(300)


def test_a_term_price_without_a_known_term_is_an_error_not_a_guess():
    mapping = load_text(variant("per: month", "per: term"))
    result = to_line(line(UnitPrice=450), mapping)
    assert isinstance(result, TranslationError)
    assert str(result) == (
        "OpportunityLineItem 00k1 field UnitPrice is a price per term, but the order's term is "
        "unknown (no end date)"
    )


def test_a_yearly_price_is_written_per_month_rounded_to_cents():
    line_mapping = load_text(
        variant("  account_rollup:\n", "  renewal_line:\n    object: OpportunityLineItem\n"
                "    key_field: Key__c\n    fields:\n      renewal_id: OpportunityId\n"
                "      quantity: Quantity\n      unit_price: {field: UnitPrice, per: month}\n"
                "  account_rollup:\n")
    )  # fmt: skip
    intent = RenewalLineIntent("k", "006R", D(3), D(1000))
    plan = render("renewal_line", intent, current=None, last_written=None, mapping=line_mapping)
    assert plan.payload == {"OpportunityId": "006R", "Quantity": D(3), "UnitPrice": D("83.33")}


def test_value_maps_read_crm_values_to_canonical_ones_case_insensitively():
    result = to_order(order(Type="renewal", StageName="Negotiation"), [], minimal())
    found = ok(result).order
    assert (found.type.value, found.status.value) == ("renewal", "open")


def test_an_unmapped_enum_value_without_default_is_an_error_naming_the_mapped_ones():
    result = to_order(order(Type="Upsell"), [], minimal())
    assert str(result) == (
        "Opportunity 006 field Type has the value `Upsell`, which the mapping does not map "
        "(mapped: `New`, `Renewal`)"
    )


def test_value_maps_write_canonical_values_as_crm_values():
    intent = RenewalIntent("k", "001", D(100), date(2026, 12, 31), "won")
    plan = render("renewal", intent, current=None, last_written=None, mapping=minimal())
    assert plan.payload["StageName"] == "Closed Won"
    assert plan.payload["CloseDate"] == "2026-12-31"


def test_comparison_ignores_wire_formats():
    assert comparable("300.00") == comparable(300) == comparable(D("300.0"))
    assert comparable("2026-12-31T00:00:00Z") == comparable(date(2026, 12, 31))
    assert comparable("2026-12-31T00:00:00.000+0000") == comparable("2026-12-31")
    assert comparable("") is comparable(None) is None
    assert comparable("true") is True
