"""Faults, crashes and a second daemon all end in the same CRM state as a clean run."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import pytest

from crm_sandbox.faults import FaultKind, FaultRule
from mappings.streams import Stream
from sync.core.ports import CrmPort, FlatRecord, Position, PulledPage, WriteOutcome
from tests.db_fixtures import DbTarget
from tests.pipeline.conftest import new_sandbox
from tests.pipeline.harness import Harness, crm_state

SEED, SIZE = 21, 60


class SimulatedCrash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the run catches it."""


class CrashingPort:
    """The real adapter, until call number `at`, which dies before or after the CRM acts."""

    def __init__(self, port: CrmPort, at: int, *, after: bool) -> None:
        self._port, self._at, self._after, self._count = port, at, after, 0
        self.name, self.batch_size = port.name, port.batch_size

    def _tick(self) -> None:
        self._count += 1
        if self._count == self._at and not self._after:
            raise SimulatedCrash(f"killed before call {self._at}")

    def _done(self) -> None:
        if self._count == self._at and self._after:
            raise SimulatedCrash(f"killed after call {self._at}")

    def pull(self, stream: Stream, since: Position | None, until: datetime) -> Iterator[PulledPage]:
        for page in self._port.pull(stream, since, until):
            self._tick()
            yield page
            self._done()

    def _write(self, call: Callable[[], list[WriteOutcome]]) -> list[WriteOutcome]:
        self._tick()
        outcomes = call()
        self._done()
        return outcomes

    def upsert(
        self, object_name: str, key_field: str, records: Sequence[FlatRecord]
    ) -> list[WriteOutcome]:
        return self._write(lambda: self._port.upsert(object_name, key_field, records))

    def update(self, object_name: str, records: Sequence[FlatRecord]) -> list[WriteOutcome]:
        return self._write(lambda: self._port.update(object_name, records))

    def delete(self, object_name: str, record_ids: Sequence[str]) -> list[WriteOutcome]:
        return self._write(lambda: self._port.delete(object_name, record_ids))

    def describe(self, objects: Any) -> Any:
        return self._port.describe(objects)

    def usage(self) -> Any:
        return self._port.usage()

    @property
    def calls(self) -> int:
        return self._port.calls


@pytest.fixture(scope="module")
def clean_state() -> dict[str, Any]:
    """What a clean run leaves in the org: the reference every recovery must reach."""
    return {}


def _reference(make_harness: Any) -> dict[str, Any]:
    harness = make_harness(new_sandbox(SIZE, SEED))
    assert harness.run().status == "succeeded"
    return crm_state(harness.sandbox)


def _assert_no_duplicates(harness: Harness) -> None:
    keys = Counter(o["Renewal_Sync_Key__c"] for o in harness.renewals())
    assert max(keys.values()) == 1
    terms = Counter(
        (o["AccountId"], o["Product_Family__c"], o["Contract_Start_Date__c"])
        for o in harness.renewals()
    )
    assert max(terms.values()) == 1
    tasks = Counter(
        t["Renewal_Sync_Key__c"]
        for t in harness.sandbox.records("Task")
        if t.get("Renewal_Sync_Key__c")
    )
    assert not tasks or max(tasks.values()) == 1


@pytest.mark.parametrize("after", [False, True], ids=["before-call", "after-call"])
@pytest.mark.parametrize("at", [1, 4, 8, 10, 11, 12, 13, 14])
def test_a_crash_at_any_call_then_a_restart_ends_in_the_clean_state(
    make_harness: Any, at: int, after: bool
) -> None:
    reference = _reference(make_harness)
    harness = make_harness(new_sandbox(SIZE, SEED))
    with pytest.raises(SimulatedCrash):
        harness.run(wrap=lambda port: CrashingPort(port, at, after=after))
    assert harness.run().status == "succeeded"
    _assert_no_duplicates(harness)
    assert crm_state(harness.sandbox) == reference
    harness.sandbox.ledger.reset()
    harness.run()
    assert harness.sandbox.ledger.writes == 0


FAULTS = {
    "5% locked rows": [FaultRule(FaultKind.LOCK_ROWS, share=0.05)],
    "bursts of 503": [FaultRule(FaultKind.HTTP_STATUS, status=503, share=0.5, times=8)],
    "lost write answers": [
        FaultRule(FaultKind.LOST_RESPONSE, methods=frozenset({"PATCH"}), times=3, after=1)
    ],
    "an expired session": [
        FaultRule(FaultKind.EXPIRED_SESSION, path_contains="/composite/", times=1)
    ],
}


@pytest.mark.parametrize("faults", list(FAULTS.values()), ids=list(FAULTS))
def test_injected_faults_end_in_the_same_state_as_a_clean_run(
    make_harness: Any, faults: list[FaultRule]
) -> None:
    reference = _reference(make_harness)
    sandbox = new_sandbox(SIZE, SEED)
    for rule in faults:
        sandbox.faults.add(rule)
    harness = make_harness(sandbox)
    result = harness.run()
    assert result.status == "succeeded", result.error
    assert any(rule.fired for rule in faults)
    _assert_no_duplicates(harness)
    assert crm_state(harness.sandbox) == reference


def test_a_spent_api_allowance_defers_and_the_next_run_finishes(make_harness: Any) -> None:
    reference = _reference(make_harness)
    harness = make_harness(new_sandbox(SIZE, SEED, daily_limit=13))
    statuses = [harness.run(api_budget_share=1.0).status]
    while statuses[-1] == "deferred" and len(statuses) < 5:
        harness.sandbox.allowance.reset()  # a new day: the allowance is back
        statuses.append(harness.run(api_budget_share=1.0).status)
    assert statuses[0] == "deferred"
    assert statuses[-1] == "succeeded"
    _assert_no_duplicates(harness)
    assert crm_state(harness.sandbox) == reference


def test_the_configured_share_of_the_allowance_defers_before_the_call(make_harness: Any) -> None:
    harness = make_harness(new_sandbox(SIZE, SEED, daily_limit=20))
    result = harness.run(api_budget_share=0.25)
    assert result.status == "deferred"
    assert "API_BUDGET_REACHED" in (result.error or "")
    assert harness.sandbox.allowance.used <= 6


def test_a_dry_run_writes_nothing_and_foretells_the_real_run(make_harness: Any) -> None:
    harness = make_harness(new_sandbox(SIZE, SEED))
    preview = harness.run(dry_run=True)
    assert preview.status == "succeeded"
    assert harness.sandbox.ledger.writes == 0
    assert not harness.renewals()
    assert preview.report is not None
    planned = {i.key for i in preview.report.changes["renewal"]}
    real = harness.run()
    assert real.report is not None
    assert {i.key for i in real.report.changes["renewal"]} == planned
    assert len(harness.renewals()) == len(planned)


def test_two_daemons_on_one_database_never_run_at_once(
    make_harness: Any, db_target: DbTarget
) -> None:
    harness = make_harness(new_sandbox(SIZE, SEED), db_target)
    inside, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    class Pausing(CrashingPort):
        def pull(
            self, stream: Stream, since: Position | None, until: datetime
        ) -> Iterator[PulledPage]:
            inside.set()
            release.wait(10)
            yield from self._port.pull(stream, since, until)

    def first() -> None:
        results["first"] = harness.run(wrap=lambda port: Pausing(port, 0, after=False))

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    other = db_target.open_store()
    try:
        second_harness = Harness(harness.sandbox, harness.served, other)
        results["second"] = second_harness.run()
    finally:
        release.set()
        thread.join(20)
        other.close()
    assert results["second"].status == "skipped"
    assert results["first"].status == "succeeded"
    _assert_no_duplicates(harness)
