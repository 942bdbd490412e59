"""Checking a mapping against a describe: existence, type, updateability, keys, picklists."""

from __future__ import annotations

from collections.abc import Mapping as Map

from mappings import FieldInfo, check_against_describe, load_default
from tests.mappings.helpers import minimal
from tests.mappings.sandbox_describe import hubspot_describe, salesforce_describe

STAGES = ("Prospecting", "Closed Won", "Closed Lost")


def minimal_describe() -> dict[str, dict[str, FieldInfo]]:
    text, date, ref = FieldInfo("string"), FieldInfo("date"), FieldInfo("reference")
    return {
        "Account": {"Id": FieldInfo("id", False, False), "Health__c": FieldInfo("double")},
        "Opportunity": {
            "Id": FieldInfo("id", False, False), "AccountId": ref, "Family__c": text,
            "Start__c": date, "End__c": date, "CloseDate": date, "Amount": FieldInfo("currency"),
            "Key__c": FieldInfo("string", external_id=True, unique=True),
            "Type": FieldInfo("picklist", picklist_values=("New", "Renewal")),
            "StageName": FieldInfo("picklist", picklist_values=STAGES),
        },
        "OpportunityLineItem": {
            "Id": FieldInfo("id", False, False), "OpportunityId": ref, "ProductCode": text,
            "Kind__c": FieldInfo("picklist"), "Quantity": FieldInfo("double"),
            "UnitPrice": FieldInfo("currency"),
        },
        "Task": {
            "WhatId": ref, "Subject": text, "ActivityDate": date,
            "Key__c": FieldInfo("string", external_id=True),
            "Status": FieldInfo("picklist", picklist_values=("Not Started", "Completed")),
        },
    }  # fmt: skip


def check(describe: Map[str, Map[str, FieldInfo]]) -> list[str]:
    return [str(p) for p in check_against_describe(minimal(), describe)]


def test_a_matching_describe_has_no_problems():
    assert check(minimal_describe()) == []


def test_the_shipped_defaults_match_the_sandbox_schemas():
    assert check_against_describe(load_default("salesforce"), salesforce_describe()) == []
    assert check_against_describe(load_default("hubspot"), hubspot_describe()) == []


def test_missing_field_suggests_the_closest():
    describe = minimal_describe()
    describe["Opportunity"]["End_Date__c"] = describe["Opportunity"].pop("End__c")
    assert check(describe) == [
        "minimal.yaml:22: read.order.fields.end_date: field `End__c` does not exist on "
        "Opportunity; did you mean `End_Date__c`?"
    ]


def test_missing_object_suggests_the_closest():
    describe = minimal_describe()
    describe["Tasks"] = describe.pop("Task")
    assert check(describe)[0] == (
        "minimal.yaml:47: write.task.fields.renewal_id: object `Task` does not exist; "
        "did you mean `Tasks`?"
    )


def test_wrong_type():
    describe = minimal_describe()
    describe["Opportunity"]["End__c"] = FieldInfo("string")
    assert check(describe) == [
        "minimal.yaml:22: read.order.fields.end_date: `End__c` is a string field; date needs one "
        "of date, datetime; map another field, or add `values:`"
    ]


def test_written_field_not_updateable():
    describe = minimal_describe()
    describe["Opportunity"]["Amount"] = FieldInfo("currency", updateable=False)
    assert check(describe) == [
        "minimal.yaml:38: write.renewal.fields.amount: `Amount` is not updateable, but policy "
        "unless_edited updates it; use `policy: if_blank` to write it at creation only"
    ]


def test_written_field_read_only():
    describe = minimal_describe()
    describe["Account"]["Health__c"] = FieldInfo("double", updateable=False, createable=False)
    assert check(describe) == [
        "minimal.yaml:55: write.account_rollup.fields.health_score: `Health__c` is read-only "
        "(formula or system field); map a writable field"
    ]


def test_key_field_not_external_id():
    describe = minimal_describe()
    describe["Task"]["Key__c"] = FieldInfo("string")
    assert check(describe) == [
        "minimal.yaml:45: write.task.key_field: `Key__c` is not flagged as an external id "
        "(or unique); mark it External ID and Unique in the CRM"
    ]


def test_mapped_picklist_value_missing():
    describe = minimal_describe()
    describe["Opportunity"]["StageName"] = FieldInfo(
        "picklist", picklist_values=("Prospecting", "Closed-Won", "Closed Lost")
    )
    assert check(describe) == [
        "minimal.yaml:18: read.order.fields.status.values: `Closed Won` is not a value of "
        "picklist Opportunity.StageName; did you mean `Closed-Won`?",
        "minimal.yaml:42: write.renewal.fields.stage.values: `Closed Won` is not a value of "
        "picklist Opportunity.StageName; did you mean `Closed-Won`?",
    ]


def test_relationship_fields_are_checked_on_the_parent():
    sf = {name: dict(fields) for name, fields in salesforce_describe().items()}
    del sf["Product2"]["Brick_Kind__c"]
    found = [str(p) for p in check_against_describe(load_default("salesforce"), sf)]
    assert found == [
        "mappings/defaults/salesforce.yaml:70: read.line.fields.kind: field `Brick_Kind__c` does "
        "not exist on Product2; valid: CreatedById, CreatedDate, Family, Id, IsActive, "
        "IsDeleted, LastModifiedDate, Name, ProductCode, SystemModstamp"
    ]
