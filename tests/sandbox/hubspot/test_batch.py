"""Batch endpoints: the 100-input cap, upsert by unique property, partial failures (207)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.sandbox.hubspot.conftest import api_error

# Batch semantics: https://developers.hubspot.com/docs/api-reference/error-handling
# ("207 Multi-Status" and "Multi-status errors") and the batch reference pages, e.g.
# https://developers.hubspot.com/docs/api-reference/legacy/crm/objects/objects/batch/create-objects


def _deal(n: int, **props: str) -> dict[str, object]:
    return {"properties": {"dealname": f"Deal {n}", "dealstage": "contractsent", **props}}


def test_101_inputs_are_refused_whole_and_nothing_is_written(client, sandbox) -> None:
    error = api_error(client.crm.deals.batch_api.create, {"inputs": [_deal(n) for n in range(101)]})
    assert error.status == 400
    assert error.body["category"] == "VALIDATION_ERROR"
    assert sandbox.records("deals") == []
    created = client.crm.deals.batch_api.create({"inputs": [_deal(n) for n in range(100)]})
    assert len(created.results) == 100


def test_upsert_creates_then_updates_the_same_record_by_unique_key(client, sandbox) -> None:
    def upsert(amount: str) -> Any:
        item = {
            "idProperty": "renewal_sync_key",
            "id": "renewal:ORD-1",
            "properties": {"dealname": "Renewal", "amount": amount},
        }
        return client.crm.deals.batch_api.upsert({"inputs": [item]})

    first = upsert("22500")
    sandbox.clock.advance(timedelta(seconds=1))
    second = upsert("25350")
    assert first.results[0].new is True
    assert second.results[0].new is False
    assert first.results[0].id == second.results[0].id
    [record] = sandbox.records("deals")
    assert record.props["amount"] == "25350"
    assert record.props["renewal_sync_key"] == "renewal:ORD-1"
    assert record.props["hs_lastmodifieddate"] == "2026-03-02T09:30:01.000Z"


def test_upsert_needs_a_unique_id_property(client) -> None:
    item = {"idProperty": "dealname", "id": "x", "properties": {}}
    error = api_error(client.crm.deals.batch_api.upsert, {"inputs": [item]})
    assert error.status == 400


def test_the_same_id_twice_in_one_batch_is_refused(client) -> None:
    item = {"idProperty": "renewal_sync_key", "id": "K", "properties": {"dealname": "x"}}
    error = api_error(client.crm.deals.batch_api.upsert, {"inputs": [item, item]})
    assert error.status == 400
    assert "Duplicate IDs" in error.body["message"]


def test_batch_read_reports_missing_ids_next_to_found_records(client) -> None:
    made = client.crm.deals.batch_api.create({"inputs": [_deal(1), _deal(2)]})
    ids = [r.id for r in made.results]
    read = client.crm.deals.batch_api.read(
        {"inputs": [{"id": ids[0]}, {"id": "999"}, {"id": ids[1]}], "properties": ["amount"]}
    )
    assert sorted(r.id for r in read.results) == sorted(ids)
    assert read.num_errors == 1
    [error] = read.errors
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.context == {"ids": ["999"]}


def test_batch_update_writes_what_exists_and_reports_the_rest(client, sandbox) -> None:
    made = client.crm.deals.batch_api.create({"inputs": [_deal(1)]})
    deal_id = made.results[0].id
    result = client.crm.deals.batch_api.update(
        {
            "inputs": [
                {"id": deal_id, "properties": {"amount": "10"}},
                {"id": "404", "properties": {}},
            ]
        }
    )
    assert [r.id for r in result.results] == [deal_id]
    assert result.errors[0].context == {"ids": ["404"]}
    assert sandbox.record("deals", deal_id).props["amount"] == "10"


def test_batch_create_with_trace_ids_reports_bad_inputs_one_by_one(client, sandbox) -> None:
    inputs = [
        {**_deal(1), "objectWriteTraceId": "t-1"},
        {"properties": {"dealname": "bad", "dealstage": "nowhere"}, "objectWriteTraceId": "t-2"},
    ]
    result = client.crm.deals.batch_api.create({"inputs": inputs})
    assert len(result.results) == 1
    assert result.num_errors == 1
    assert result.errors[0].context == {"objectWriteTraceId": ["t-2"]}
    assert len(sandbox.records("deals")) == 1


def test_batch_create_without_trace_ids_fails_whole_on_one_bad_input(client, sandbox) -> None:
    inputs = [_deal(1), {"properties": {"dealname": "bad", "dealstage": "nowhere"}}]
    error = api_error(client.crm.deals.batch_api.create, {"inputs": inputs})
    assert error.status == 400
    assert sandbox.records("deals") == []


def test_a_duplicate_unique_value_is_refused_with_the_holder_id(client, sandbox) -> None:
    first = client.crm.deals.basic_api.create(_deal(1, renewal_sync_key="K-1"))
    error = api_error(client.crm.deals.basic_api.create, _deal(2, renewal_sync_key="K-1"))
    assert error.status == 409
    assert error.body["category"] == "CONFLICT"
    assert error.body["context"]["id"] == [first.id]
    assert len(sandbox.records("deals")) == 1


def test_archived_record_frees_its_unique_value(client) -> None:
    first = client.crm.deals.basic_api.create(_deal(1, renewal_sync_key="K-2"))
    client.crm.deals.batch_api.archive({"inputs": [{"id": first.id}]})
    again = client.crm.deals.basic_api.create(_deal(2, renewal_sync_key="K-2"))
    assert again.id != first.id


def test_batch_writes_count_as_writes_and_batch_reads_as_reads(client, sandbox) -> None:
    made = client.crm.deals.batch_api.create({"inputs": [_deal(1)]})
    client.crm.deals.batch_api.read({"inputs": [{"id": made.results[0].id}]})
    assert sandbox.ledger.count("POST", "/crm/v3/objects/{objectType}/batch/create") == 1
    assert (sandbox.ledger.reads, sandbox.ledger.writes) == (1, 1)
