"""Data that does not fit: a product code too long for a key, an account name too long for
a task subject. The org refuses such values (STRING_TOO_LONG); the service makes them fit,
from the lengths describe reports, and stays idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tests.pipeline.conftest import worked_example_salesforce
from tests.pipeline.salesforce_org import KEY, SalesforceOrg

LONG_NAME = "Northwind " + "Holdings International " * 11  # 263 characters
LONG_CODE = "ANALYTICS-GROWTH-PLAN-ANNUAL-EU-2026-PUBLIC-SECTOR-FRAMEWORK-LOT-3"  # 66 characters


def test_long_product_codes_and_names_are_made_to_fit_and_rerun_writes_nothing(
    make_salesforce_org: Callable[..., SalesforceOrg],
) -> None:
    sandbox = worked_example_salesforce()
    org = make_salesforce_org(sandbox)
    (account,) = sandbox.records("Account")
    org.person_updates("Account", account["Id"], {"Name": LONG_NAME[:255]})
    for product in sandbox.records("Product2"):
        if product.get("Brick_Kind__c") == "plan":
            org.person_updates("Product2", product["Id"], {"ProductCode": LONG_CODE})
    result = org.run(today=date(2026, 6, 30))
    assert result.status == "succeeded", result.error
    assert result.stats.get("failed.renewal_line", 0) == 0
    assert result.stats.get("failed.task", 0) == 0
    lines = [li for li in sandbox.records("OpportunityLineItem") if li.get(KEY)]
    assert all(len(li[KEY]) <= 80 for li in lines)
    assert any("~" in li[KEY] for li in lines)  # the long one, hashed to fit
    tasks = [t for t in sandbox.records("Task") if t.get(KEY)]
    assert tasks
    assert all(len(t["Subject"]) <= 255 for t in tasks)
    assert any(t["Subject"].endswith("\u2026") for t in tasks)
    org.reset_ledger()
    assert org.run(today=date(2026, 6, 30)).status == "succeeded"
    assert org.writes() == 0
