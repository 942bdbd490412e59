"""The CPQ-style example of docs/mappings.md loads and reads its org into the worked example."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from contract_rules import (
    BrickKind,
    RenewalTerms,
    RuleSettings,
    UpgradeLines,
    build_chain,
    renewal_due,
)
from mappings import RenewalLineIntent, load, render, to_order
from tests.mappings.helpers import ok

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cpq-org.salesforce.yaml"
D = Decimal


def cpq_line(number: int, sku: str, family: str, quantity: float, monthly: float, **more: object):
    record = {"Id": f"00kC{number}", "OpportunityId": "006C", "Product2.ProductCode": sku,
              "Product2.Family": family, "Quantity": quantity, "UnitPrice": monthly}  # fmt: skip
    return record | more


def test_the_cpq_example_loads():
    mapping = load(EXAMPLE)
    assert mapping.settings.upgrade_lines is UpgradeLines.FULL_SET
    assert mapping.read["line"].fields["kind"].field == "Product2.Family"


def test_the_cpq_org_reads_monthly_prices_into_the_worked_example():
    opportunity = {
        "Id": "006C", "AccountId": "001C", "Order_Type__c": "New Business",
        "StageName": "Closed Won", "Product_Line__c": "Analytics", "Auto_Renew__c": True,
        "Subscription_Start__c": "2026-01-01", "Subscription_End__c": "2026-12-31",
    }  # fmt: skip
    lines = [
        cpq_line(1, "GROWTH", "Platform Plans", 1, 1000, Discount=10, Signing_Credit__c=1000),
        cpq_line(2, "SEAT", "Add-ons", 20, 25, Discount=5),
        cpq_line(3, "ONBOARDING", "Professional Services", 1, 5000),
        cpq_line(4, "API", "Metered", 1, 0, Monthly_Commit__c=500),
        cpq_line(5, "OVERAGE", "Metered", 1, 0),
    ]
    mapping = load(EXAMPLE)
    order = ok(to_order(opportunity, lines, mapping)).order
    assert order.renewal_terms is RenewalTerms.AUTOMATIC
    assert [ln.kind for ln in order.lines][:3] == [
        BrickKind.PLAN,
        BrickKind.SUBSCRIPTION,
        BrickKind.ONE_TIME,
    ]
    settings = RuleSettings(upgrade_lines=mapping.settings.upgrade_lines)
    renewal = renewal_due(build_chain([order], settings), date(2026, 9, 1), settings)
    assert renewal is not None
    assert renewal.spend.amount == D("22500.00")


def test_the_cpq_org_gets_monthly_prices_back():
    intent = RenewalLineIntent("line:1", "006R", D(20), D(300), discount_percent=D(5))
    plan = render("renewal_line", intent, current=None, last_written=None, mapping=load(EXAMPLE))
    assert plan.payload["UnitPrice"] == D("25.00")
