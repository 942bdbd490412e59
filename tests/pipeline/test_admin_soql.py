"""A mapping's `where` may use the SOQL an admin writes in a real org (issue 14): date
literals, evaluated by the sandbox against its clock, narrow what the service pulls
(https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-soql-select-dateformats.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

import mappings
from crm_sandbox.salesforce import SalesforceSandbox
from mappings import load_text
from tests.pipeline.conftest import salesforce_sandbox
from tests.pipeline.orgs import TODAY
from tests.pipeline.salesforce_org import SalesforceOrg

DEFAULT = Path(mappings.__file__).parent / "defaults" / "salesforce.yaml"


@pytest.mark.parametrize(
    ("concept", "sobject", "anchor", "where", "days", "stamp"),
    [
        ("case", "Case", "  case:\n    object: Case\n", "CreatedDate = LAST_N_DAYS:90", 90,
         "CreatedDate"),
        ("order", "Opportunity", "    where: null                 # every opportunity",
         "CloseDate = LAST_N_DAYS:365", 365, "CloseDate"),
    ],
)  # fmt: skip
def test_a_where_with_a_date_literal_narrows_the_pull(
    make_salesforce_org: Callable[[SalesforceSandbox], SalesforceOrg],
    concept: str,
    sobject: str,
    anchor: str,
    where: str,
    days: int,
    stamp: str,
) -> None:
    org = make_salesforce_org(salesforce_sandbox(60))
    text = DEFAULT.read_text("utf-8")
    assert anchor in text
    if concept == "case":
        text = text.replace(anchor, f'{anchor}    where: "{where}"\n')
    else:
        text = text.replace(anchor, f'    where: "{where}"  # the last year')
    org = dataclasses.replace(org, mapping=load_text(text, "salesforce.yaml"))
    rows = org.sandbox.records(sobject)
    since = (TODAY - timedelta(days=days)).isoformat()
    inside = [r for r in rows if since <= str(r[stamp])[:10] <= TODAY.isoformat()]
    assert 0 < len(inside) < len(rows), "the generated org has records on both sides"
    result = org.run()
    assert result.status == "succeeded", result.error
    assert result.stats[f"pulled.{concept}"] == len(inside)
