"""Written-state diffing (no rewrite of unchanged values, human edits) and first-seen dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sync.state import FieldEdit, StateStore, Write
from tests.state.conftest import T0, FakeClock

RENEWAL = {"Amount": Decimal("22500.00"), "CloseDate": date(2026, 12, 31), "StageName": "Open"}


def test_unchanged_payloads_are_not_written_again(store: StateStore) -> None:
    store.written.record("salesforce", "Opportunity", [Write("ren-1", RENEWAL, "006A")])
    same_in_other_order = {"StageName": "Open", "CloseDate": date(2026, 12, 31), "Amount": 22500}
    proposed: dict[str, dict[str, Any]] = {
        "ren-1": same_in_other_order,
        "ren-2": {"Amount": 1000},
    }
    assert set(store.written.changed("salesforce", "Opportunity", proposed)) == {"ren-2"}
    bigger = {**RENEWAL, "Amount": Decimal("25350")}
    assert set(store.written.changed("salesforce", "Opportunity", {"ren-1": bigger})) == {"ren-1"}


def test_record_keeps_known_record_id_and_stamps_run(store: StateStore, clock: FakeClock) -> None:
    store.written.record("salesforce", "Opportunity", [Write("ren-1", RENEWAL, "006A")])
    clock.advance(hours=1)
    store.written.record("salesforce", "Opportunity", [Write("ren-1", {"Amount": 1})], run_id="r2")
    value = store.written.get("salesforce", "Opportunity", ["ren-1", "ren-x"])["ren-1"]
    assert (value.record_id, value.run_id, value.written_at) == ("006A", "r2", clock.now)
    assert value.payload == {"Amount": 1}


def test_human_edits_are_the_fields_whose_crm_value_differs(store: StateStore) -> None:
    store.written.record(
        "salesforce", "Opportunity", [Write("ren-1", RENEWAL), Write("ren-2", RENEWAL)]
    )
    crm_now: dict[str, dict[str, Any]] = {
        "ren-1": {"Amount": 22500.0, "CloseDate": "2026-12-31", "StageName": "Negotiation"},
        "ren-2": {"Amount": 22500, "CloseDate": "2026-12-31", "Description": "not ours"},
        "ren-3": {"Amount": 5},
    }
    edits = store.written.human_edits("salesforce", "Opportunity", crm_now)
    assert edits == {"ren-1": {"StageName": FieldEdit(ours="Open", theirs="Negotiation")}}


def test_forget_makes_the_next_write_happen(store: StateStore) -> None:
    store.written.record("salesforce", "Opportunity", [Write("ren-1", RENEWAL)])
    assert store.written.forget("salesforce", "Opportunity", ["ren-1"]) == 1
    assert store.written.changed("salesforce", "Opportunity", {"ren-1": RENEWAL}) == {
        "ren-1": RENEWAL
    }


def test_first_seen_is_set_once(store: StateStore, clock: FakeClock) -> None:
    first = store.seen.mark("salesforce", "contract", ["c1", "c2"])
    assert first == {"c1": T0.date(), "c2": T0.date()}
    clock.advance(days=3)
    later = store.seen.mark("salesforce", "contract", ["c2", "c3", "c3"])
    assert later == {"c2": T0.date(), "c3": T0.date() + timedelta(days=3)}
    assert store.seen.get("salesforce", "subscription", ["c1"]) == {}
