"""Composite, sObject Tree, retrieve by POST, and the replication resources (updated,
deleted), through simple-salesforce as a client would call them.

Composite: https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html
sObject Tree: https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-tree.html
sObject Collections retrieve (POST): https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-retrieve.html
Get Updated: https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getupdated.html
Get Deleted: https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getdeleted.md
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from simple_salesforce import Salesforce, SalesforceMalformedRequest

from crm_sandbox.clock import SandboxClock
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from tests.sandbox.salesforce.conftest import START, add_accounts, content

V = "/services/data/v60.0"


@pytest.fixture
def sf(sandbox: SalesforceSandbox, served: ServedApp) -> Any:
    return Salesforce(instance_url=served.url, session_id=sandbox.issue_token(), version="60.0")


def _opportunity(name: str, account: str) -> dict[str, Any]:
    return {
        "Name": name,
        "AccountId": account,
        "StageName": "Prospecting",
        "CloseDate": "2027-01-31",
    }


def _names(sf: Any, sobject: str) -> set[str]:
    return {r["Name"] for r in sf.query_all(f"SELECT Name FROM {sobject}")["records"]}


def test_composite_runs_subrequests_in_order_with_references_as_one_call(
    sandbox: SalesforceSandbox, sf: Any
) -> None:
    used = sandbox.org.allowance.used
    body = {
        "compositeRequest": [
            {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "acct",
             "body": {"Name": "Composite Ltd"}},
            {"method": "POST", "url": f"{V}/sobjects/Opportunity", "referenceId": "opp",
             "body": _opportunity("Composite deal", "@{acct.id}")},
            {"method": "GET", "url": f"{V}/sobjects/Opportunity/@{{opp.id}}?fields=AccountId",
             "referenceId": "read"},
            {"method": "GET", "url": f"{V}/query?q=SELECT+Id,Name+FROM+Account",
             "referenceId": "accounts"},
        ]
    }  # fmt: skip
    answer = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert [a["httpStatusCode"] for a in answer] == [201, 201, 200, 200]
    account_id = answer[0]["body"]["id"]
    assert answer[0]["httpHeaders"]["Location"] == f"{V}/sobjects/Account/{account_id}"
    assert answer[2]["body"]["AccountId"] == account_id
    assert answer[3]["body"]["records"][0]["Name"] == "Composite Ltd"
    assert sandbox.org.allowance.used == used + 1  # the whole series is one API call
    assert sandbox.ledger.count("POST", f"{V}/composite") == 1


def test_all_or_none_rolls_every_subrequest_back_when_one_fails(
    sandbox: SalesforceSandbox, sf: Any
) -> None:
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "acct",
             "body": {"Name": "Rolled back"}},
            {"method": "POST", "url": f"{V}/sobjects/Opportunity", "referenceId": "bad",
             "body": {"Name": "No close date", "AccountId": "@{acct.id}"}},
            {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "later",
             "body": {"Name": "Never run"}},
        ],
    }  # fmt: skip
    answer = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert [a["httpStatusCode"] for a in answer] == [400, 400, 400]
    assert answer[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert answer[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert answer[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert _names(sf, "Account") == set()


def test_without_all_or_none_a_failure_halts_only_what_refers_to_it(sf: Any) -> None:
    body = {
        "compositeRequest": [
            {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "bad",
             "body": {"Nome": "typo"}},
            {"method": "POST", "url": f"{V}/sobjects/Opportunity", "referenceId": "dependent",
             "body": _opportunity("Orphan", "@{bad.id}")},
            {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "independent",
             "body": {"Name": "Stands alone"}},
        ]
    }  # fmt: skip
    answer = sf.restful("composite", method="POST", json=body)["compositeResponse"]
    assert answer[0]["httpStatusCode"] == 400
    assert answer[0]["body"][0]["errorCode"] == "INVALID_FIELD"
    assert answer[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert "@{bad.id}" in answer[1]["body"][0]["message"]
    assert answer[2]["httpStatusCode"] == 201
    assert _names(sf, "Account") == {"Stands alone"}
    assert _names(sf, "Opportunity") == set()


def test_composite_refuses_more_than_25_subrequests(sf: Any) -> None:
    requests = [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{i}"} for i in range(26)]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("composite", method="POST", json={"compositeRequest": requests})
    assert content(caught)[0]["errorCode"] == "LIMIT_EXCEEDED"


def test_a_tree_saves_parents_with_nested_children_and_answers_each_reference(
    sf: Any,
) -> None:
    body: dict[str, Any] = {
        "records": [
            {"attributes": {"type": "Account", "referenceId": "a1"}, "Name": "Tree Ltd",
             "Opportunities": {"records": [
                 {"attributes": {"type": "Opportunity", "referenceId": "o1"},
                  **_opportunity("Tree deal", "")},
             ]}},
            {"attributes": {"type": "Account", "referenceId": "a2"}, "Name": "Leaf Ltd"},
        ]
    }  # fmt: skip
    for record in body["records"][0]["Opportunities"]["records"]:
        record.pop("AccountId")
    answer = sf.restful("composite/tree/Account", method="POST", json=body)
    assert answer["hasErrors"] is False
    refs = {r["referenceId"]: r["id"] for r in answer["results"]}
    assert set(refs) == {"a1", "o1", "a2"}
    opportunity = sf.Opportunity.get(refs["o1"])
    assert opportunity["AccountId"] == refs["a1"]


def test_a_tree_with_one_bad_record_saves_nothing(sf: Any) -> None:
    body = {
        "records": [
            {"attributes": {"type": "Account", "referenceId": "good"}, "Name": "Good Ltd",
             "Opportunities": {"records": [
                 {"attributes": {"type": "Opportunity", "referenceId": "nodate"},
                  "Name": "No close date", "StageName": "Prospecting"},
             ]}},
        ]
    }  # fmt: skip
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("composite/tree/Account", method="POST", json=body)
    answer = content(caught)
    assert answer["hasErrors"] is True
    assert answer["results"][0]["referenceId"] == "nodate"
    assert answer["results"][0]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert _names(sf, "Account") == set()


def test_describe_names_each_child_relationship(sf: Any) -> None:
    children = sf.Account.describe()["childRelationships"]
    names = {(c["childSObject"], c["field"]): c["relationshipName"] for c in children}
    assert names[("Opportunity", "AccountId")] == "Opportunities"
    assert names[("Task", "WhatId")] == "Tasks"
    lines = sf.Opportunity.describe()["childRelationships"]
    assert {c["relationshipName"] for c in lines} >= {"OpportunityLineItems"}


def test_retrieve_by_post_takes_the_ids_in_the_body(sandbox: SalesforceSandbox, sf: Any) -> None:
    ids = add_accounts(sandbox, 3)
    body = {"ids": [ids[2], ids[0], "001000000000000AAA"], "fields": ["id", "Name"]}
    answer = sf.restful("composite/sobjects/Account", method="POST", json=body)
    assert [a and a["Name"] for a in answer] == ["Acme 00002", "Acme 00000", None]
    assert answer[0]["Id"] == ids[2]


def test_updated_and_deleted_list_what_changed_in_whole_minutes(
    sandbox: SalesforceSandbox, clock: SandboxClock, sf: Any
) -> None:
    early = add_accounts(sandbox, 2, prefix="Early")
    clock.advance(timedelta(minutes=5))
    late = add_accounts(sandbox, 1, prefix="Late")
    sf.Account.delete(early[1])
    clock.advance(timedelta(minutes=1, seconds=30))
    now = clock.now()

    updated = sf.Account.updated(START, now)
    assert set(updated["ids"]) == {early[0], late[0]}  # a deleted record is not "updated"
    assert updated["latestDateCovered"] == (START + timedelta(minutes=6)).strftime(
        "%Y-%m-%dT%H:%M:00.000+0000"
    )
    since_late = sf.Account.updated(START + timedelta(minutes=5, seconds=59), now)
    assert since_late["ids"] == [late[0]]  # the seconds of start are ignored

    deleted = sf.Account.deleted(START, now)
    assert [d["id"] for d in deleted["deletedRecords"]] == [early[1]]
    assert deleted["deletedRecords"][0]["deletedDate"].startswith("2026-11-21T10:05:00")
    assert "earliestDateAvailable" in deleted


def test_replication_refuses_a_start_too_far_back_or_after_the_end(
    clock: SandboxClock, sf: Any
) -> None:
    now = clock.now()
    for start, end in ((now - timedelta(days=31), now), (now, now - timedelta(hours=1))):
        with pytest.raises(SalesforceMalformedRequest) as caught:
            sf.Account.updated(start, end)
        assert content(caught)[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    with pytest.raises(SalesforceMalformedRequest):
        sf.Account.deleted(now - timedelta(days=16), now)
