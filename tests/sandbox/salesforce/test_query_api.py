"""query / queryAll paging and shapes.

Reference: Query resource and Query More Results
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm,
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query-more-results.html):
up to 2,000 rows a page, `done`, `nextRecordsUrl`, `totalSize`; Query Options Header
`Sforce-Query-Options: batchSize=N` with N from 200 to 2,000 (Mobile SDK "SOQL Query" page:
"The batchSize parameter can range from 200 to 2,000 (default value)").
"""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import Client, add, add_accounts, content


def test_more_than_2000_rows_come_in_pages_of_2000(sf: Client, sandbox: SalesforceSandbox) -> None:
    add_accounts(sandbox, 4500)
    first = sf.query("SELECT Id, Name FROM Account WHERE Name LIKE 'Acme%' ORDER BY Name")
    assert (first["totalSize"], first["done"], len(first["records"])) == (4500, False, 2000)
    assert first["nextRecordsUrl"].startswith("/services/data/v60.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    third = sf.query_more(second["nextRecordsUrl"], identifier_is_url=True)
    assert [len(second["records"]), len(third["records"])] == [2000, 500]
    assert third["done"] is True
    assert "nextRecordsUrl" not in third
    names = [r["Name"] for page in (first, second, third) for r in page["records"]]
    assert names == sorted(names)
    assert len(set(names)) == 4500
    assert sandbox.ledger.count("GET", "/services/data/v60.0/query/{locator}") == 2


def test_batch_size_header_pages_by_200(sf: Client, sandbox: SalesforceSandbox) -> None:
    add_accounts(sandbox, 450)
    headers = {"Sforce-Query-Options": "batchSize=200"}
    pages = [sf.query("SELECT Id FROM Account WHERE Name LIKE 'Acme%'", headers=headers)]
    while not pages[-1]["done"]:
        pages.append(sf.query_more(pages[-1]["nextRecordsUrl"], identifier_is_url=True))
    assert [len(p["records"]) for p in pages] == [200, 200, 50]


def test_batch_size_below_200_is_raised_to_200(sf: Client, sandbox: SalesforceSandbox) -> None:
    add_accounts(sandbox, 250)
    page = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=10"})
    assert len(page["records"]) == 200


def test_query_all_iterates_every_page(sf: Client, sandbox: SalesforceSandbox) -> None:
    add_accounts(sandbox, 2100)
    assert len(list(sf.query_all_iter("SELECT Id FROM Account WHERE Name LIKE 'Acme%'"))) == 2100


def test_unknown_locator_is_invalid_query_locator(sf: Client) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query_more("/services/data/v60.0/query/01gDn0000000999AAA-2000", identifier_is_url=True)
    assert content(caught)[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_all_sees_soft_deleted_rows(sf: Client, sandbox: SalesforceSandbox) -> None:
    # queryAll "includes records that have been deleted because of a merge or delete"
    # (QueryAll resource, .../api_rest/resources_queryall.htm); query does not.
    keep, gone = add_accounts(sandbox, 2)
    sf.Account.delete(gone)
    live = sf.query("SELECT Id FROM Account WHERE Name LIKE 'Acme%'")
    everything = sf.query_all(
        "SELECT Id, IsDeleted FROM Account WHERE Name LIKE 'Acme%'", include_deleted=True
    )
    assert [r["Id"] for r in live["records"]] == [keep]
    assert {r["Id"]: r["IsDeleted"] for r in everything["records"]} == {keep: False, gone: True}


def test_records_have_attributes_and_nested_parents(sf: Client, sandbox: SalesforceSandbox) -> None:
    account = add(sandbox, "Account", Name="Acme", Segment__c="high_touch")
    product = add(
        sandbox,
        "Product2",
        Name="Growth plan",
        ProductCode="GROWTH",
        Family="Analytics",
        Brick_Kind__c="plan",
    )
    add(
        sandbox,
        "PricebookEntry",
        Pricebook2Id=sandbox.standard_pricebook_id,
        Product2Id=product,
        UnitPrice=12000,
    )
    opp = add(
        sandbox,
        "Opportunity",
        Name="Acme new",
        AccountId=account,
        StageName="Closed Won",
        CloseDate="2026-01-01",
    )
    add(
        sandbox,
        "OpportunityLineItem",
        OpportunityId=opp,
        Product2Id=product,
        Quantity=1,
        Discount=10,
    )
    record = sf.query(
        "SELECT Id, Product2.Family, Opportunity.Account.Name, "
        "Opportunity.Account.Segment__c, TotalPrice, ProductCode "
        "FROM OpportunityLineItem"
    )["records"][0]
    assert record["attributes"]["type"] == "OpportunityLineItem"
    assert (
        record["attributes"]["url"]
        == f"/services/data/v60.0/sobjects/OpportunityLineItem/{record['Id']}"
    )
    assert record["Product2"]["Family"] == "Analytics"
    assert record["Opportunity"]["Account"] == {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v60.0/sobjects/Account/{account}",
        },
        "Name": "Acme",
        "Segment__c": "high_touch",
    }
    assert (record["TotalPrice"], record["ProductCode"]) == (10800.0, "GROWTH")
