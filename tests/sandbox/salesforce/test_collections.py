"""sObject Collections through `Salesforce.restful`, as the service calls them.

References:
- Create Records Using sObject Collections: "up to 200 records", SaveResults in request order,
  allOrNone default false
  (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-create.html);
- AllOrNoneHeader: with allOrNone the other records "indicate that they were rolled back"
  (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_header_allornoneheader.htm);
- more than 200 records: EXCEEDED_ID_LIMIT "record limit reached. cannot submit more than 200
  records into this call" (as reported in django-salesforce/django-salesforce#328 and
  restforce/restforce#726).
"""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from crm_sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import Client, add, add_accounts, content, unused_id


def account(name: str | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"attributes": {"type": "Account"}, **extra}
    if name is not None:
        body["Name"] = name
    return body


def post(sf: Client, records: list[dict[str, Any]], all_or_none: bool = False) -> Any:
    return sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": all_or_none, "records": records}
    )


def test_201_records_answer_the_real_limit_error(sf: Client, sandbox: SalesforceSandbox) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        post(sf, [account(f"A{i}") for i in range(201)])
    assert content(caught) == [
        {
            "message": "record limit reached. cannot submit more than 200 records into this call",
            "errorCode": "EXCEEDED_ID_LIMIT",
        }
    ]
    assert sandbox.records("Account") == []
    assert len(post(sf, [account(f"A{i}") for i in range(200)])) == 200


def test_per_record_errors_next_to_successes(sf: Client, sandbox: SalesforceSandbox) -> None:
    results = post(
        sf,
        [
            account("good"),
            account(None),  # Name is required
            account("bad picklist", Segment__c="enterprise"),
            account("x" * 256),
            account("bad owner", OwnerId=unused_id("005")),
            account("bad owner type", OwnerId=unused_id("001")),
            account("bad id", OwnerId="005Dn0000000999AAA"),  # checksum does not match
        ],
    )
    assert results[0]["success"] is True
    assert results[0]["id"].startswith("001")
    codes = [r["errors"][0]["statusCode"] for r in results[1:]]
    assert codes == [
        "REQUIRED_FIELD_MISSING",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "STRING_TOO_LONG",
        "INVALID_CROSS_REFERENCE_KEY",
        "FIELD_INTEGRITY_EXCEPTION",
        "MALFORMED_ID",
    ]
    assert results[1]["errors"][0] == {
        "statusCode": "REQUIRED_FIELD_MISSING",
        "message": "Required fields are missing: [Name]",
        "fields": ["Name"],
    }
    assert [r["Name"] for r in sandbox.records("Account")] == ["good"]


def test_all_or_none_rolls_everything_back(sf: Client, sandbox: SalesforceSandbox) -> None:
    results = post(sf, [account("one"), account(None), account("three")], all_or_none=True)
    assert [r["success"] for r in results] == [False, False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert sandbox.records("Account") == []


def test_update_rejects_read_only_fields_and_deleted_rows(
    sf: Client, sandbox: SalesforceSandbox
) -> None:
    keep, gone = add_accounts(sandbox, 2)
    opp = add(
        sandbox,
        "Opportunity",
        Name="o",
        AccountId=keep,
        StageName="Prospecting",
        CloseDate="2026-01-01",
    )
    sf.Account.delete(gone)
    results = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Account"}, "Id": keep, "Health_Score__c": 71.5},
                {"attributes": {"type": "Opportunity"}, "Id": opp, "IsWon": True},
                {"attributes": {"type": "Account"}, "Id": gone, "Name": "back"},
                {"attributes": {"type": "Account"}, "Name": "no id"},
            ]
        },
    )
    assert results[0] == {"id": keep, "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert results[1]["errors"][0]["fields"] == ["IsWon"]
    assert results[2]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    assert results[3]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert sandbox.record(keep)["Health_Score__c"] == 71.5  # type: ignore[index]


def test_upsert_creates_then_updates_the_same_record(
    sf: Client, sandbox: SalesforceSandbox
) -> None:
    # Upsert by external id: no match -> create, one match -> update; results carry `created`
    # (Upsert Records Using sObject Collections,
    # .../api_rest/resources_composite_sobjects_collections_upsert.htm).
    acct = add(sandbox, "Account", Name="Acme")
    path = "composite/sobjects/Opportunity/Renewal_Sync_Key__c"
    body = {
        "attributes": {"type": "Opportunity"},
        "Renewal_Sync_Key__c": "renewal:42",
        "Name": "Renewal",
        "AccountId": acct,
        "StageName": "Prospecting",
        "CloseDate": "2027-01-31",
        "Amount": 22500,
    }
    first = sf.restful(path, method="PATCH", json={"allOrNone": False, "records": [body]})
    assert first[0]["success"] is True
    assert first[0]["created"] is True
    second = sf.restful(path, method="PATCH", json={"records": [{**body, "Amount": 25350}]})
    assert second == [{"id": first[0]["id"], "success": True, "errors": [], "created": False}]
    rows = sandbox.records("Opportunity")
    assert len(rows) == 1
    assert rows[0]["Amount"] == 25350


def test_upsert_duplicates_and_unique_collisions(sf: Client, sandbox: SalesforceSandbox) -> None:
    path = "composite/sobjects/Account/Renewal_Sync_Key__c"
    same = [account("a", Renewal_Sync_Key__c="k1"), account("b", Renewal_Sync_Key__c="K1")]
    results = sf.restful(path, method="PATCH", json={"records": same})
    assert [r["errors"][0]["statusCode"] for r in results] == ["DUPLICATE_EXTERNAL_ID"] * 2
    existing = add(sandbox, "Account", Name="taken", Renewal_Sync_Key__c="k2")
    created = post(sf, [account("clash", Renewal_Sync_Key__c="k2")])
    assert created[0]["errors"][0]["statusCode"] == "DUPLICATE_VALUE"
    assert existing in created[0]["errors"][0]["message"]


def test_upsert_matching_several_rows_is_duplicate_external_id(
    sf: Client, sandbox: SalesforceSandbox
) -> None:
    # A non-unique external id that matches twice: the single-row resource answers 300, the
    # collection a per-record error (Upsert Records Using sObject Rows by External ID).
    sandbox.schema.update_field("Account", "Renewal_Sync_Key__c", unique=False)
    add(sandbox, "Account", Name="a", Renewal_Sync_Key__c="twin")
    add(sandbox, "Account", Name="b", Renewal_Sync_Key__c="twin")
    results = sf.restful(
        "composite/sobjects/Account/Renewal_Sync_Key__c",
        method="PATCH",
        json={"records": [account("c", Renewal_Sync_Key__c="twin")]},
    )
    assert results[0]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"


def test_retrieve_and_delete(sf: Client, sandbox: SalesforceSandbox) -> None:
    first, second = add_accounts(sandbox, 2)
    got = sf.restful(
        "composite/sobjects/Account",
        params={"ids": f"{first},{second},001Dn0000000999AAA", "fields": "Name,Segment__c"},
    )
    assert got[0]["Name"] == "Acme 00000"
    assert got[2] is None
    deleted = sf.restful(
        "composite/sobjects",
        method="DELETE",
        params={"ids": f"{first},{first}", "allOrNone": "false"},
    )
    assert deleted[0] == {"id": first, "success": True, "errors": []}
    assert deleted[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join([second] * 201)})


def test_unknown_field_fails_the_whole_request(sf: Client, sandbox: SalesforceSandbox) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        post(sf, [account("a"), account("b", Foo__c=1)])
    assert content(caught)[0] == {
        "message": "No such column 'Foo__c' on sobject of type Account",
        "errorCode": "INVALID_FIELD",
    }
    assert sandbox.records("Account") == []
