"""Concurrent write calls (issue 16): up to `write_concurrency` Salesforce write calls in
flight, never two for one account (Salesforce locks the parent account of a record it
writes: "UNABLE_TO_LOCK_ROW", https://developer.salesforce.com/docs/atlas.en-us.salesforce_large_data_volumes_bp.meta/salesforce_large_data_volumes_bp/ldv_deployments_best_practices_soql_and_sosl.htm
and the record-locking cheat sheet); the books of each batch are kept in order, so the CRM
ends exactly as with one call at a time, and a kill mid-wave still converges."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from mappings import RenewalIntent
from sync.pipeline.writes import Item, _waves
from tests.pipeline.conftest import salesforce_sandbox
from tests.pipeline.killing import HttpKiller, killed_then_recovered, killing
from tests.pipeline.salesforce_org import crm_state

DAY = date(2026, 6, 30)
FULL = os.environ.get("RENEWAL_SYNC_SWEEP") == "full"
SIZE = 1000  # lines and tasks fill several batches of 200


def _item(account: str, key: str) -> tuple[Item, dict[str, Any]]:
    intent = RenewalIntent(
        key=key, account_id=account, amount=Decimal(1), close_date=DAY, stage="open"
    )
    return Item(intent, key, None), {}


def test_a_wave_never_holds_one_account_twice() -> None:
    a1, a2, b1, c1, c2, d1 = (
        _item("A", "a1"), _item("A", "a2"), _item("B", "b1"),
        _item("C", "c1"), _item("C", "c2"), _item("D", "d1"),
    )  # fmt: skip
    batches = [[a1], [a2, b1], [c1], [c2], [d1]]
    waves = _waves(batches, 3)
    assert [[[i.key for i, _ in b] for b in w] for w in waves] == [
        [["a1"]],  # a2 touches A as well: it waits for the next wave
        [["a2", "b1"], ["c1"]],
        [["c2"], ["d1"]],
    ]
    assert [len(w) for w in _waves(batches, 1)] == [1, 1, 1, 1, 1]


def test_concurrent_writes_leave_the_crm_as_one_call_at_a_time(make_salesforce_org: Any) -> None:
    serial = make_salesforce_org(salesforce_sandbox(SIZE))
    serial.served.traffic.reset()
    assert serial.run(today=DAY, write_concurrency=1).status == "succeeded"
    assert serial.served.traffic.peak == 1
    expected = crm_state(serial.sandbox)
    concurrent = make_salesforce_org(salesforce_sandbox(SIZE))
    concurrent.served.traffic.reset()
    result = concurrent.run(today=DAY, write_concurrency=4)
    assert result.status == "succeeded", result.error
    assert concurrent.served.traffic.peak >= 2, "several write calls were in flight at once"
    assert concurrent.served.traffic.peak <= 4
    assert crm_state(concurrent.sandbox) == expected
    concurrent.reset_ledger()
    assert concurrent.run(today=DAY, write_concurrency=4).status == "succeeded"
    assert concurrent.writes() == 0


@pytest.mark.slow
def test_a_kill_in_a_wave_of_concurrent_writes_ends_in_the_clean_state(
    make_salesforce_org: Any,
) -> None:
    """Whichever call of a wave the kill lands on, the others may have committed without
    their books: the pending records cover them, two more runs reach the clean state. CI
    kills in the first and a middle wave of lines and at the last write, both ways;
    `RENEWAL_SYNC_SWEEP=full` at every write call."""
    reference = make_salesforce_org(salesforce_sandbox(SIZE))
    with killing(HttpKiller()) as killer:
        assert reference.run(today=DAY, write_concurrency=4).status == "succeeded"
    expected = crm_state(reference.sandbox)
    writes = killer.write_indexes()
    lines = [n for n in writes if "OpportunityLineItem" in killer.calls[n - 1].path]
    points = writes if FULL else [lines[0], lines[len(lines) // 2], writes[-1]]
    for call in points:
        for after in (False, True):
            org = make_salesforce_org(salesforce_sandbox(SIZE))
            killed_then_recovered(
                org, call, after=after, expected=expected, today=DAY, write_concurrency=4
            )
