"""Bulk API 2.0 in the sandbox, driven by simple-salesforce's own Bulk 2.0 client.

Query jobs: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm
(states UploadComplete -> InProgress -> JobComplete, GROUP BY / OFFSET / aggregates refused,
DailyBulkV2QueryJobs in /limits); results paged by Sforce-Locator:
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm
Ingest results: https://developer.salesforce.com/docs/atlas.en-us.264.0.api_asynch.meta/api_asynch/get_job_successful_results.htm
and .../get_job_failed_results.htm (sf__Id, sf__Created / sf__Error, then the row).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceOperationError

from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from tests.sandbox.salesforce.conftest import add_accounts

V = "/services/data/v60.0"


@pytest.fixture
def sf(sandbox: SalesforceSandbox, served: ServedApp) -> Any:
    return Salesforce(instance_url=served.url, session_id=sandbox.issue_token(), version="60.0")


def _rows(chunks: Any) -> list[dict[str, str]]:
    return [row for chunk in chunks for row in csv.DictReader(io.StringIO(chunk))]


def test_a_query_job_returns_every_row_as_csv_in_sets(sf: Any, sandbox: SalesforceSandbox) -> None:
    add_accounts(sandbox, 25)
    rows = _rows(sf.bulk2.Account.query("SELECT Id, Name, Owner.Name FROM Account", max_records=10))
    assert len(rows) == 25
    assert set(rows[0]) == {"Id", "Name", "Owner.Name"}
    calls = sandbox.ledger.snapshot()
    assert calls[f"GET {V}/jobs/query/{{job}}/results"] == 3  # 10 + 10 + 5, by Sforce-Locator
    limits = sf.limits()
    assert limits["DailyBulkV2QueryJobs"]["Remaining"] == limits["DailyBulkV2QueryJobs"]["Max"] - 1


def test_unsupported_soql_and_a_failed_job_are_errors(sf: Any, sandbox: SalesforceSandbox) -> None:
    with pytest.raises(SalesforceError):
        list(sf.bulk2.Account.query("SELECT COUNT() FROM Account"))
    sandbox.bulk.plan("query", "fail", message="InternalServerError: retried more than 15 times")
    with pytest.raises(SalesforceOperationError, match="retried more than 15 times"):
        list(sf.bulk2.Account.query("SELECT Id FROM Account"))


def test_an_upsert_job_reports_each_row_and_a_bad_row_fails_alone(
    sf: Any, sandbox: SalesforceSandbox
) -> None:
    (account,) = add_accounts(sandbox, 1)
    body = (
        "Renewal_Sync_Key__c,Name,AccountId,StageName,CloseDate,Amount\n"
        f"k1,First,{account},Prospecting,2027-01-31,100\n"
        f"k2,Second,{account},Prospecting,not-a-date,200\n"
    )
    (result,) = sf.bulk2.Opportunity.upsert(
        csv_file=None, records=list(csv.DictReader(io.StringIO(body))),
        external_id_field="Renewal_Sync_Key__c",
    )  # fmt: skip
    assert result["numberRecordsProcessed"] == 2
    assert result["numberRecordsFailed"] == 1
    job = result["job_id"]
    ok = list(csv.DictReader(io.StringIO(sf.bulk2.Opportunity.get_successful_records(job))))
    bad = list(csv.DictReader(io.StringIO(sf.bulk2.Opportunity.get_failed_records(job))))
    assert [r["Renewal_Sync_Key__c"] for r in ok] == ["k1"]
    assert ok[0]["sf__Created"] == "true"
    created = sandbox.store.get(ok[0]["sf__Id"])
    assert created is not None
    assert created["Amount"] == 100
    assert [r["Renewal_Sync_Key__c"] for r in bad] == ["k2"]
    assert bad[0]["sf__Error"]
