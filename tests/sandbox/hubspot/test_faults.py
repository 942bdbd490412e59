"""Injected faults, rendered the HubSpot way, and the sandbox control surface."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
import urllib3

from crm_sandbox.faults import FaultKind, FaultRule, parse_fault
from tests.sandbox.hubspot.conftest import api_error, make_client

# Error bodies and statuses (401, 423, 429, 5xx): https://developers.hubspot.com/docs/api-reference/error-handling


def _deal(n: int) -> dict[str, object]:
    return {"properties": {"dealname": f"Deal {n}", "renewal_sync_key": f"K-{n}"}}


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_an_injected_status_answers_hubspot_style_and_writes_nothing(
    client, sandbox, status
) -> None:
    sandbox.faults.add(parse_fault(f"http_status:status={status},times=1"))
    error = api_error(client.crm.deals.basic_api.create, _deal(1))
    assert error.status == status
    assert error.body["status"] == "error"
    assert error.body["correlationId"]
    if status == 429:
        assert error.body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert sandbox.records("deals") == []
    client.crm.deals.basic_api.create(_deal(1))
    assert len(sandbox.records("deals")) == 1


def test_expired_session_fault_is_a_401_the_client_raises(client, sandbox) -> None:
    sandbox.faults.add(FaultRule(FaultKind.EXPIRED_SESSION, times=1))
    error = api_error(client.crm.companies.basic_api.get_page)
    assert error.status == 401
    assert error.body["category"] == "EXPIRED_AUTHENTICATION"
    client.crm.companies.basic_api.get_page()


def test_an_expired_token_stays_expired_until_a_new_one_is_issued(client, sandbox, served) -> None:
    sandbox.expire_token()
    assert api_error(client.crm.companies.basic_api.get_page).status == 401
    sandbox.issue_token("pat-rotated")
    assert make_client(sandbox, served, "pat-rotated").crm.companies.basic_api.get_page()


def test_locked_rows_fail_one_by_one_inside_a_207(client, sandbox) -> None:
    sandbox.faults.add(FaultRule(FaultKind.LOCK_ROWS, share=0.5, path_contains="batch/upsert"))
    inputs = [
        {"idProperty": "renewal_sync_key", "id": f"K-{n}", "properties": {"dealname": f"D{n}"}}
        for n in range(20)
    ]
    result = client.crm.deals.batch_api.upsert({"inputs": inputs})
    locked = {key for e in result.errors for key in e.context["ids"]}
    assert 0 < len(locked) < 20
    assert all(e.sub_category == "crm.objects.RECORD_LOCKED" for e in result.errors)
    written = {r.props["renewal_sync_key"] for r in sandbox.records("deals")}
    assert written == {f"K-{n}" for n in range(20)} - locked
    assert len(result.results) == len(written)


def test_a_locked_single_record_batch_create_answers_423(client, sandbox) -> None:
    sandbox.faults.add(FaultRule(FaultKind.LOCK_ROWS, times=1))
    error = api_error(client.crm.deals.batch_api.create, {"inputs": [_deal(1)]})
    assert error.status == 423
    assert sandbox.records("deals") == []


def test_a_lost_response_raises_a_connection_error_but_the_write_committed(client, sandbox) -> None:
    sandbox.faults.add(parse_fault("lost_response:times=1,methods=POST"))
    with pytest.raises(urllib3.exceptions.HTTPError):
        client.crm.deals.basic_api.create(_deal(1))
    [record] = sandbox.records("deals")
    found = client.crm.deals.basic_api.get_by_id("K-1", id_property="renewal_sync_key")
    assert found.id == str(record.id)


def test_latency_delays_the_answer(client, sandbox) -> None:
    sandbox.faults.add(parse_fault("latency:seconds=0.05,times=1"))
    began = time.perf_counter()
    client.crm.deals.basic_api.get_page()
    assert time.perf_counter() - began >= 0.05


def test_the_control_surface_reports_calls_and_takes_faults(client, sandbox, served) -> None:
    client.crm.deals.basic_api.get_page()
    with urllib.request.urlopen(f"{served.url}/__sandbox__/calls") as answer:
        calls = json.load(answer)
    assert calls["calls"] == {"GET /crm/v3/objects/{objectType}": 1}
    body = json.dumps({"fault": "http_status:status=503,times=1"}).encode()
    request = urllib.request.Request(f"{served.url}/__sandbox__/faults", body, method="POST")
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 201
    assert api_error(client.crm.deals.basic_api.get_page).status == 503
    clear = urllib.request.Request(f"{served.url}/__sandbox__/faults", method="DELETE")
    with urllib.request.urlopen(clear) as answer:
        assert answer.status == 204
    assert sandbox.faults.rules == ()
