"""Single-record CRUD, describe shapes, audit stamps and derived fields.

References: sObject Rows (.../api_rest/resources_sobject_retrieve.htm: create 201, update and
delete 204), Upsert Records Using sObject Rows by External ID ("If the external ID matches
multiple existing records, then a 300 error is returned", https://developer.salesforce.com/
docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_upsert_patch.htm),
sObject Describe (.../resources_sobject_describe.htm),
Describe Global (.../resources_describeGlobal.htm),
System Fields / SystemModstamp (Object Reference, "System Fields").
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from crm_sandbox.clock import SandboxClock
from crm_sandbox.salesforce import SalesforceSandbox
from tests.sandbox.salesforce.conftest import Client, add, content


def test_global_describe_lists_every_object(sf: Client) -> None:
    described = sf.describe()
    assert described["maxBatchSize"] == 200
    prefixes = {o["name"]: o["keyPrefix"] for o in described["sobjects"]}
    assert prefixes == {
        "Account": "001",
        "Case": "500",
        "Customer_Feedback__c": "a01",
        "NPS_Response__c": "a00",
        "Opportunity": "006",
        "OpportunityLineItem": "00k",
        "Pricebook2": "01s",
        "PricebookEntry": "01u",
        "Product2": "01t",
        "Task": "00T",
        "User": "005",
    }


def test_object_describe_field_shapes(sf: Client) -> None:
    fields = {f["name"]: f for f in sf.Opportunity.describe()["fields"]}
    stage = fields["StageName"]
    assert stage["type"] == "picklist"
    assert stage["restrictedPicklist"] is True
    assert stage["picklistValues"][0] == {
        "value": "Prospecting",
        "label": "Prospecting",
        "active": True,
        "defaultValue": True,
        "validFor": None,
    }
    key = fields["Renewal_Sync_Key__c"]
    assert (key["externalId"], key["unique"], key["length"], key["custom"]) == (
        True,
        True,
        80,
        True,
    )
    renewed = fields["Renewed_Opportunity__c"]
    assert (renewed["type"], renewed["referenceTo"], renewed["relationshipName"]) == (
        "reference",
        ["Opportunity"],
        "Renewed_Opportunity__r",
    )
    assert (fields["IsWon"]["updateable"], fields["IsWon"]["createable"]) == (False, False)
    assert fields["SystemModstamp"]["type"] == "datetime"
    assert fields["Amount"]["type"] == "currency"
    assert fields["Amount"]["updateable"] is True
    types = {
        f["type"]
        for o in ("Account", "Opportunity", "OpportunityLineItem", "Task")
        for f in getattr(sf, o).describe()["fields"]
    }
    assert types >= {
        "id",
        "string",
        "reference",
        "currency",
        "double",
        "date",
        "datetime",
        "boolean",
        "picklist",
        "textarea",
        "percent",
        "url",
    }


def test_crud_round_trip(sf: Client, sandbox: SalesforceSandbox) -> None:
    created = sf.Account.create({"Name": "Acme", "Segment__c": "long_tail"})
    assert created["success"] is True
    assert len(created["id"]) == 18
    assert sf.Account.update(created["id"], {"Website": "https://acme.example"}) == 204
    record = sf.Account.get(created["id"])
    assert record["attributes"]["type"] == "Account"
    assert record["Website"] == "https://acme.example"
    assert record["Id"] == sf.Account.get(created["id"][:15])["Id"]  # 15-char ids work too
    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get(created["id"])


def test_single_upsert_by_external_id(sf: Client, sandbox: SalesforceSandbox) -> None:
    assert sf.Account.upsert("Renewal_Sync_Key__c/acct-1", {"Name": "Acme"}) == 201
    assert sf.Account.upsert("Renewal_Sync_Key__c/acct-1", {"Name": "Acme Corp"}) == 200
    assert sf.Account.get_by_custom_id("Renewal_Sync_Key__c", "acct-1")["Name"] == "Acme Corp"
    sandbox.schema.update_field("Account", "Renewal_Sync_Key__c", unique=False)
    add(sandbox, "Account", Name="twin", Renewal_Sync_Key__c="acct-1")
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Account.upsert("Renewal_Sync_Key__c/acct-1", {"Name": "which?"})


def test_modstamps_move_on_every_write(
    sf: Client, sandbox: SalesforceSandbox, clock: SandboxClock
) -> None:
    created = sf.Account.create({"Name": "Acme"})["id"]
    first = sandbox.record(created)
    assert first is not None
    assert first["CreatedDate"] == first["SystemModstamp"] == "2026-11-21T10:00:00.000+0000"
    assert first["CreatedById"] == first["LastModifiedById"] == sandbox.integration_user_id
    clock.advance(timedelta(minutes=5, milliseconds=7))
    sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Account"}, "Id": created, "Name": "Acme 2"}]},
    )
    second = sandbox.record(created)
    assert second is not None
    # to the second, as a real org stamps it (the 7 ms are not kept)
    assert second["SystemModstamp"] == second["LastModifiedDate"] == "2026-11-21T10:05:00.000+0000"
    assert second["CreatedDate"] == first["CreatedDate"]
    clock.advance(timedelta(seconds=1))
    sf.Account.delete(created)
    third = sandbox.record(created)
    assert third is not None
    assert third["IsDeleted"] is True
    assert third["SystemModstamp"] == "2026-11-21T10:05:01.000+0000"
    got = sf.query(
        "SELECT SystemModstamp FROM Account "
        f"WHERE SystemModstamp > 2026-11-21T10:05:00Z AND Id = '{created}'"
    )
    assert got["totalSize"] == 0  # deleted rows only through queryAll
    assert (
        sf.query_all(
            "SELECT Id FROM Account "
            f"WHERE SystemModstamp > 2026-11-21T10:05:00Z AND Id = '{created}'",
            include_deleted=True,
        )["totalSize"]
        == 1
    )


def test_opportunity_and_line_item_derived_fields(sf: Client, sandbox: SalesforceSandbox) -> None:
    product = add(
        sandbox, "Product2", Name="Seats", ProductCode="SEAT", Brick_Kind__c="subscription"
    )
    add(
        sandbox,
        "PricebookEntry",
        Pricebook2Id=sandbox.standard_pricebook_id,
        Product2Id=product,
        UnitPrice=300,
    )
    opp = sf.Opportunity.create(
        {
            "Name": "Renewal",
            "StageName": "Negotiation/Review",
            "CloseDate": "2027-01-31",
            "Amount": 1,
        }
    )["id"]
    row = sandbox.record(opp)
    assert row is not None
    assert (row["IsClosed"], row["IsWon"], row["Probability"], row["ForecastCategoryName"]) == (
        False,
        False,
        90.0,
        "Commit",
    )
    sf.OpportunityLineItem.create(
        {"OpportunityId": opp, "Product2Id": product, "Quantity": 20, "Discount": 5}
    )
    line = sandbox.records("OpportunityLineItem")[0]
    assert (line["UnitPrice"], line["TotalPrice"], line["ProductCode"]) == (300.0, 5700.0, "SEAT")
    # Vendor quirk: with products, Amount is their sum and a direct write is ignored.
    sf.Opportunity.update(opp, {"Amount": 99, "StageName": "Closed Won"})
    row = sandbox.record(opp)
    assert row is not None
    assert (row["Amount"], row["IsWon"], row["Probability"]) == (5700.0, True, 100.0)


def test_task_and_case_status_drive_is_closed(
    sf: Client, sandbox: SalesforceSandbox, clock: SandboxClock
) -> None:
    task = sf.Task.create(
        {"Subject": "Plan the renewal", "ActivityDate": "2026-12-01", "Renewal_Sync_Key__c": "t1"}
    )["id"]
    assert sandbox.record(task)["IsClosed"] is False  # type: ignore[index]
    sf.Task.update(task, {"Status": "Completed"})
    assert sandbox.record(task)["IsClosed"] is True  # type: ignore[index]
    case = sf.Case.create({"Subject": "Login broken", "Priority": "High"})["id"]
    sf.Case.update(case, {"Status": "Closed"})
    closed = sandbox.record(case)
    assert closed is not None
    assert closed["IsClosed"] is True
    assert closed["ClosedDate"] == "2026-11-21T10:00:00.000+0000"


def test_single_write_errors_are_400_arrays(sf: Client) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Opportunity.create(
            {"Name": "No stage", "CloseDate": "2026-01-01", "StageName": "Dreaming"}
        )
    assert content(caught)[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert content(caught)[0]["fields"] == ["StageName"]
