"""Writes against the sandbox: batch upsert/update/archive, per-record outcomes, locks,
associations, and values on the wire (decimals, dates under several time zones)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from crm_sandbox.faults import FaultKind, FaultRule
from crm_sandbox.hubspot import HubSpotSandbox
from mappings import AssociationWrite
from mappings.streams import Stream
from sync.connectors.hubspot import HubSpotAdapter
from sync.connectors.hubspot.values import date_ms, wire
from sync.core.ports import RECORD_ID
from tests.clocks import FakeTime
from tests.connectors.hubspot.conftest import (
    ARCHIVE,
    ASSOC_CREATE,
    KEY,
    LATER,
    UPDATE,
    UPSERT,
    add,
)


class Sent:
    """Inputs per batch call, recorded around the client's own BatchApi."""

    def __init__(self, adapter: HubSpotAdapter) -> None:
        self.inputs: list[list[str]] = []
        self._batch = adapter.door.apis.batch
        adapter.door.apis.batch = self

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._batch, name)

        def record(object_type: str, body: dict[str, Any], **kwargs: Any) -> Any:
            self.inputs.append([str(i["id"]) for i in body["inputs"]])
            return method(object_type, body, **kwargs)

        return record


def deals(count: int, start: int = 0, **values: Any) -> list[dict[str, Any]]:
    return [
        {KEY: f"ren-{i:04d}", "dealname": f"Renewal {i}", "pipeline": "default", **values}
        for i in range(start, start + count)
    ]


def test_upsert_creates_then_updates_by_the_unique_property_in_input_order(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    created = adapter.upsert("deals", KEY, deals(3))
    assert [o.created for o in created] == [True, True, True]
    again = adapter.upsert("deals", KEY, list(reversed(deals(4, amount=Decimal("1200.50")))))
    assert [o.created for o in again] == [True, False, False, False]
    assert [o.record_id for o in again[1:]] == [o.record_id for o in reversed(created)]
    assert len(sandbox.records("deals")) == 4
    record = sandbox.record("deals", str(created[0].record_id))
    assert record is not None
    assert record.props["amount"] == "1200.5"


def test_250_records_take_3_calls_of_at_most_100(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    sent = Sent(adapter)
    outcomes = adapter.upsert("deals", KEY, deals(250))
    assert len(outcomes) == 250
    assert all(o.ok for o in outcomes)
    assert [len(i) for i in sent.inputs] == [100, 100, 50]
    assert sandbox.ledger.count("POST", UPSERT) == adapter.calls == 3


def test_missing_ids_fail_next_to_the_records_that_were_updated(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    kept = [add(sandbox, "companies", name=f"C{i}") for i in range(2)]
    records = [
        {RECORD_ID: kept[0], "segment": "high_touch"},
        {RECORD_ID: "99999999999", "segment": "high_touch"},
        {RECORD_ID: kept[1], "segment": "long_tail"},
        {"segment": "long_tail"},
    ]
    outcomes = adapter.update("companies", records)
    assert [o.ok for o in outcomes] == [True, False, True, False]
    assert [o.error_code for o in outcomes] == [None, "OBJECT_NOT_FOUND", None, "MISSING_ARGUMENT"]
    assert sandbox.ledger.count("POST", UPDATE) == 1


def test_an_invalid_value_is_kept_with_its_record_and_never_holds_back_the_others(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    records = deals(100)
    records[37]["order_type"] = "not-an-option"
    outcomes = adapter.upsert("deals", KEY, records)
    assert [n for n, o in enumerate(outcomes) if not o.ok] == [37]
    assert outcomes[37].error_code == "INVALID_OPTION"
    assert "not-an-option" in str(outcomes[37].error_message)
    assert len(sandbox.records("deals")) == 99
    assert sandbox.ledger.count("POST", UPSERT) <= 1 + 2 * 7  # halves down to one record


def test_locked_records_are_retried_alone_after_a_pause(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, fake_time: FakeTime
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.LOCK_ROWS, share=0.2, times=30))
    sent = Sent(adapter)
    outcomes = adapter.upsert("deals", KEY, deals(100))
    assert all(o.ok for o in outcomes), [o for o in outcomes if not o.ok]
    assert len(sent.inputs) >= 2
    assert len(sent.inputs[0]) == 100
    assert all(len(later) < 100 for later in sent.inputs[1:])
    assert set(sent.inputs[1]) < set(sent.inputs[0])
    assert len(fake_time.sleeps) == len(sent.inputs) - 1
    assert len(sandbox.records("deals")) == 100


def test_records_still_locked_after_every_round_are_reported_locked(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    sandbox.faults.add(FaultRule(FaultKind.LOCK_ROWS, share=1.0, times=4))
    outcomes = adapter.upsert("deals", KEY, deals(1))
    assert outcomes[0].error_code == "RECORD_LOCKED"
    assert sandbox.ledger.count("POST", UPSERT) == adapter.door.policy.lock_attempts


def test_wanted_associations_are_created_after_the_write(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    company = add(sandbox, "companies", name="Acme")
    [deal] = adapter.upsert(
        "deals",
        KEY,
        [{**deals(1)[0], "__associations": [AssociationWrite("companies", company, 5)]}],
    )
    links = [
        {"to_object": "deals", "to_id": deal.record_id, "type_id": 216},
        {"to_object": "companies", "to_id": company, "type_id": 192},
    ]
    task_record = {KEY: "task-1", "hs_task_subject": "Call", "hs_timestamp": LATER}
    [task] = adapter.upsert("tasks", KEY, [{**task_record, "__associations": links}])
    [line] = adapter.upsert(
        "line_items", KEY,
        [{KEY: "line-1", "name": "Seat", "price": Decimal("10"), "quantity": 2,
          "__associations": [{"to_object": "deals", "to_id": deal.record_id, "type_id": 20}]}],
    )  # fmt: skip
    assert deal.ok
    assert task.ok
    assert line.ok
    assert sandbox.associated_ids("deals", str(deal.record_id), "companies") == [int(company)]
    assert sandbox.associated_ids("tasks", str(task.record_id), "deals") == [
        int(str(deal.record_id))
    ]
    assert sandbox.associated_ids("tasks", str(task.record_id), "companies") == [int(company)]
    assert sandbox.associated_ids("line_items", str(line.record_id), "deals") == [
        int(str(deal.record_id))
    ]
    assert sandbox.ledger.count("POST", ASSOC_CREATE) == 4  # one per (from, to) pair


def test_a_refused_association_fails_its_record_only(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    company = add(sandbox, "companies", name="Acme")
    records = deals(2)
    records[0]["__associations"] = [{"to_object": "companies", "to_id": company, "type_id": 5}]
    records[1]["__associations"] = [{"to_object": "companies", "to_id": "404", "type_id": 5}]
    outcomes = adapter.upsert("deals", KEY, records)
    assert [o.ok for o in outcomes] == [True, False]
    assert outcomes[1].record_id is not None
    assert outcomes[1].error_code is not None


def test_delete_archives_and_an_archived_record_counts_as_done(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    ids = [add(sandbox, "line_items", name=f"L{i}") for i in range(3)]
    assert all(o.ok for o in adapter.delete("line_items", ids))
    assert all(o.ok for o in adapter.delete("line_items", ids[:1]))
    assert sandbox.records("line_items") == []
    assert sandbox.ledger.count("POST", ARCHIVE) == 2


@pytest.fixture
def time_zone() -> Iterator[None]:
    before = os.environ.get("TZ")
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.mark.usefixtures("time_zone")
@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Auckland", "UTC"])
def test_dates_go_as_midnight_utc_and_come_back_the_same_day_in_any_host_zone(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox, zone: str
) -> None:
    os.environ["TZ"] = zone
    time.tzset()
    days = [date(2026, 3, 1), date(2026, 12, 31), date(2027, 1, 1), date(2028, 2, 29)]
    records = [
        {KEY: f"d{n}", "contract_start_date": day, "contract_end_date": day}
        for n, day in enumerate(days)
    ]
    assert all(o.ok for o in adapter.upsert("deals", KEY, records))
    stream = Stream("order", "deals", (KEY, "contract_end_date"))
    pulled = {
        r[KEY]: r["contract_end_date"] for p in adapter.pull(stream, None, LATER) for r in p.records
    }
    assert pulled == {f"d{n}": day.isoformat() for n, day in enumerate(days)}
    assert wire(date(2026, 3, 1)) == str(date_ms(date(2026, 3, 1))) == "1772323200000"


def test_values_on_the_wire() -> None:
    assert wire(Decimal("1E+3")) == "1000"
    assert wire(Decimal("12.50")) == "12.50"
    assert wire(0.1) == "0.1"
    assert wire(True) == "true"
    assert wire(None) == ""
    assert wire(datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)) == "1772443800123"


def test_a_write_call_of_1000_linked_records_creates_its_links_in_one_call_per_type(
    adapter: HubSpotAdapter, sandbox: HubSpotSandbox
) -> None:
    companies = [add(sandbox, "companies", name=f"C{i}") for i in range(3)]
    linked = [
        {**record, "__associations": [AssociationWrite("companies", companies[n % 3], 341)]}
        for n, record in enumerate(deals(1000))
    ]
    assert adapter.batch_size == 1000  # what the pipeline hands over per write call
    outcomes = adapter.upsert("deals", KEY, linked)
    assert all(o.ok for o in outcomes)
    assert sandbox.ledger.count("POST", UPSERT) == 10  # ceil(1000 / 100)
    assert sandbox.ledger.count("POST", ASSOC_CREATE) == 1  # ceil(1000 links / 2000)
    last = str(outcomes[-1].record_id)
    assert sandbox.associated_ids("deals", last, "companies") == [int(companies[999 % 3])]
