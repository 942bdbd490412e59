"""A record that cannot be read is an error an admin sees, and it clears once it reads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tests.pipeline.conftest import worked_example_salesforce
from tests.pipeline.salesforce_org import SalesforceOrg


def test_an_unreadable_price_is_reported_then_resolved_once_fixed(
    make_salesforce_org: Callable[..., SalesforceOrg],
) -> None:
    org = make_salesforce_org(worked_example_salesforce())
    product = org.person_creates("Product2", {"Name": "Nameless add-on", "IsActive": True})
    entry = org.person_creates("PricebookEntry", {
        "Pricebook2Id": org.sandbox.standard_pricebook_id, "Product2Id": product,
        "UnitPrice": 100, "IsActive": True,
    })  # fmt: skip
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"
    (error,) = [e for e in org.store.errors.open("salesforce") if e.object_type == "price"]
    assert (error.record_key, error.code) == (entry, "UNREADABLE_RECORD")
    assert "sku" in error.message
    assert org.renewal("Analytics:2027-01-01").amount is not None  # the others go on
    org.person_updates("Product2", product, {"ProductCode": "ANL-ADDON"})
    org.run(today=date(2026, 7, 1))
    assert not [e for e in org.store.errors.open("salesforce") if e.object_type == "price"]
