"""Flat CRM records as the connectors store them: the domain spec's worked example in each CRM.

Growth plan $12,000/yr with a 10% recurring discount and a $1,000 one-time discount; 20 seats
at $300/seat/yr with 5% off; onboarding $5,000 one-time; API usage with a $6,000/yr
pre-commitment; overage usage without one. 2026-01-01..2026-12-31.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]


def sf_opportunity(**changes: Any) -> Record:
    record: Record = {
        "Id": "006A0", "AccountId": "001A0", "OwnerId": "005A0", "Name": "Acme - Analytics",
        "Type": "New Customer", "StageName": "Closed Won", "IsClosed": True,
        "CloseDate": "2025-12-15", "Amount": 33800.0, "Product_Family__c": "Analytics",
        "Contract_Start_Date__c": "2026-01-01", "Contract_End_Date__c": "2026-12-31",
        "Renewal_Terms__c": "Automatic", "Billed_To_Date__c": 0.0,
        "Renewal_Sync_Key__c": "order:A0", "Amended_Opportunity__c": None,
        "Renewed_Opportunity__c": None,
    }  # fmt: skip
    return record | changes


def sf_line(number: int, sku: str, kind: str, quantity: Any, price: Any, **more: Any) -> Record:
    record: Record = {
        "Id": f"00kA{number}", "OpportunityId": "006A0", "Product2.ProductCode": sku,
        "Product2.Brick_Kind__c": kind, "Quantity": quantity, "UnitPrice": price,
        "Discount": None, "Recurring_Discount_Amount__c": None,
        "One_Time_Discount_Amount__c": None, "One_Time_Discount_Percent__c": None,
        "Precommit_Amount__c": None, "PricebookEntryId": f"01uA{number}",
    }  # fmt: skip
    return record | more


def sf_worked_example_lines(opportunity: str = "006A0") -> list[Record]:
    lines = [
        sf_line(
            1, "GROWTH", "plan", 1.0, 12000.0, Discount=10.0, One_Time_Discount_Amount__c=1000.0
        ),
        sf_line(2, "SEAT", "subscription", 20.0, 300.0, Discount=5.0),
        sf_line(3, "ONBOARDING", "one_time", 1.0, 5000.0),
        sf_line(4, "API", "usage", 1.0, 0.0, Precommit_Amount__c=6000.0),
        sf_line(5, "OVERAGE", "usage", 1.0, 0.02),
    ]
    return [line | {"OpportunityId": opportunity} for line in lines]


def hs_deal(**changes: Any) -> Record:
    record: Record = {
        "id": "101", "dealname": "Acme - Analytics", "dealstage": "closedwon",
        "pipeline": "default", "order_type": "new", "amount": "33800",
        "closedate": "2025-12-15T00:00:00Z", "contract_start_date": "2026-01-01",
        "contract_end_date": "2026-12-31", "renewal_terms": "automatic",
        "product_family": "Analytics", "billed_to_date": "0", "hubspot_owner_id": "70000001",
        "renewal_sync_key": "order:A0", "hs_is_closed": "true",
        "@associations.companies": ["9001"],
    }  # fmt: skip
    return record | changes


def hs_line(number: int, sku: str, **props: Any) -> Record:
    return {"id": f"20{number}", "hs_sku": sku, "name": sku, "@associations.deals": ["101"]} | props


def hs_worked_example_lines() -> list[Record]:
    """Seats are billed monthly ($25/seat/month) with a $15/seat/yr unit discount (5%)."""
    return [
        hs_line(1, "GROWTH", brick_kind="plan", quantity="1", price="12000",
                recurringbillingfrequency="annually", hs_discount_percentage="10",
                one_time_discount_amount="1000"),
        hs_line(2, "SEAT", quantity="20", price="25", recurringbillingfrequency="monthly",
                discount="15"),
        hs_line(3, "ONBOARDING", quantity="1", price="5000"),
        hs_line(4, "API", brick_kind="usage", quantity="1", price="0", precommit_amount="6000"),
        hs_line(5, "OVERAGE", brick_kind="usage", quantity="1", price="0.02"),
    ]  # fmt: skip
