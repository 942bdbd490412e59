"""Injected faults, rendered the way Salesforce answers them.

References: UNABLE_TO_LOCK_ROW "unable to obtain exclusive access to this record" (Core Data
Types / StatusCode list, SOAP API Developer Guide); 500 UNKNOWN_EXCEPTION and 503
SERVER_UNAVAILABLE bodies (REST API "Status Codes and Error Responses",
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceGeneralError

from crm_sandbox.faults import FaultKind, FaultRule, parse_fault
from crm_sandbox.salesforce import SalesforceSandbox
from crm_sandbox.server import ServedApp
from tests.sandbox.salesforce.conftest import Client, content


def accounts(count: int) -> dict[str, Any]:
    return {
        "allOrNone": False,
        "records": [{"attributes": {"type": "Account"}, "Name": f"A{i}"} for i in range(count)],
    }


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "REQUEST_LIMIT_EXCEEDED"), (500, "UNKNOWN_EXCEPTION"), (503, "SERVER_UNAVAILABLE")],
)
def test_http_status_fault_writes_nothing(
    sf: Client, sandbox: SalesforceSandbox, status: int, code: str
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.HTTP_STATUS, status=status, times=1))
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.restful("composite/sobjects", method="POST", json=accounts(3))
    assert caught.value.status == status
    assert content(caught)[0]["errorCode"] == code
    assert sandbox.records("Account") == []
    assert len(sf.restful("composite/sobjects", method="POST", json=accounts(3))) == 3  # fired once
    assert sandbox.ledger.count("POST", "/services/data/v60.0/composite/sobjects") == 2


def test_expired_session_fault_sticks_until_a_new_token(
    sf: Client, sandbox: SalesforceSandbox, served: ServedApp
) -> None:
    sandbox.faults.add(parse_fault("expired_session:times=1"))
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account")
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account")  # the old token stays dead
    fresh = Salesforce(instance_url=served.url, session_id=sandbox.issue_token(), version="60.0")
    assert fresh.query("SELECT Id FROM Account")["totalSize"] == 0


def test_five_percent_locked_rows(sf: Client, sandbox: SalesforceSandbox) -> None:
    sandbox.faults.add(parse_fault("lock_rows:share=0.05"))
    results = sf.restful("composite/sobjects", method="POST", json=accounts(200))
    locked = [r for r in results if not r["success"]]
    assert 1 <= len(locked) <= 25
    assert {r["errors"][0]["statusCode"] for r in locked} == {"UNABLE_TO_LOCK_ROW"}
    assert "unable to obtain exclusive access to this record" in locked[0]["errors"][0]["message"]
    assert len(sandbox.records("Account")) == 200 - len(locked)


def test_locked_rows_with_all_or_none_roll_back(sf: Client, sandbox: SalesforceSandbox) -> None:
    sandbox.faults.add(FaultRule(FaultKind.LOCK_ROWS, share=1.0, times=1))
    results = sf.restful(
        "composite/sobjects", method="POST", json={**accounts(3), "allOrNone": True}
    )
    assert [r["errors"][0]["statusCode"] for r in results] == ["UNABLE_TO_LOCK_ROW"] + [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    ] * 2
    assert sandbox.records("Account") == []


def test_lost_response_commits_then_drops(sf: Client, sandbox: SalesforceSandbox) -> None:
    sandbox.faults.add(parse_fault("lost_response:times=1,methods=PATCH,path=composite/sobjects"))
    body = {
        "records": [
            {"attributes": {"type": "Account"}, "Name": "Acme", "Renewal_Sync_Key__c": "acct-1"}
        ]
    }
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.restful("composite/sobjects/Account/Renewal_Sync_Key__c", method="PATCH", json=body)
    assert [r["Renewal_Sync_Key__c"] for r in sandbox.records("Account")] == ["acct-1"]
    again = sf.restful("composite/sobjects/Account/Renewal_Sync_Key__c", method="PATCH", json=body)
    assert again[0]["created"] is False  # the retry finds the committed record


def test_latency(sf: Client, sandbox: SalesforceSandbox) -> None:
    sandbox.faults.add(parse_fault("latency:seconds=0.05,times=1"))
    started = time.perf_counter()
    sf.query("SELECT Id FROM Account")
    assert time.perf_counter() - started >= 0.05


def test_control_surface(served: ServedApp, sf: Client, sandbox: SalesforceSandbox) -> None:
    added = requests.post(
        f"{served.url}/__sandbox__/faults", data="http_status:status=503,times=1", timeout=5
    )
    assert added.status_code == 201
    assert added.json()["added"]["kind"] == "http_status"
    assert (
        requests.post(f"{served.url}/__sandbox__/faults", data="nonsense", timeout=5).status_code
        == 400
    )
    with pytest.raises(SalesforceGeneralError):
        sf.query("SELECT Id FROM Account")
    calls = requests.get(f"{served.url}/__sandbox__/calls", timeout=5).json()
    assert calls["calls"] == {"GET /services/data/v60.0/query": 1}
    assert requests.delete(f"{served.url}/__sandbox__/faults", timeout=5).json() == {
        "cleared": True
    }
    assert sandbox.faults.rules == ()
