"""Crashes, faults, rate limits, a dead token and a second runner all end in the clean state."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from crm_sandbox.faults import FaultKind, FaultRule
from mappings.streams import Stream
from sync.connectors.hubspot import RetryPolicy
from sync.core.ports import AuthenticationError, Position, PulledPage
from tests.db_fixtures import DbTarget
from tests.pipeline.test_failures_and_recovery import CrashingPort, SimulatedCrash
from tests.pipeline_hubspot.conftest import MakeHarness, new_sandbox
from tests.pipeline_hubspot.harness import KEY, FakeTime, Harness, crm_state

SEED, SIZE = 21, 60
UPSERT = "/batch/upsert"
_REFERENCE: dict[tuple[int, int], dict[str, Any]] = {}


def _reference(make_harness: MakeHarness) -> dict[str, Any]:
    """What a clean run leaves in the portal (computed once per worker process)."""
    if (SIZE, SEED) not in _REFERENCE:
        harness = make_harness(new_sandbox(SIZE, SEED))
        assert harness.run().status == "succeeded"
        _REFERENCE[SIZE, SEED] = crm_state(harness.sandbox)
    return _REFERENCE[SIZE, SEED]


def _assert_no_duplicates(harness: Harness) -> None:
    for kind in ("deals", "line_items", "tasks"):
        keys = Counter(r.props[KEY] for r in harness.sandbox.records(kind) if r.props.get(KEY))
        assert keys, kind
        assert max(keys.values()) == 1, kind
    terms = Counter(
        (tuple(harness.sandbox.associated_ids("deals", d.id, "companies")),
         d.props.get("product_family"), d.props.get("contract_start_date"))
        for d in harness.renewals()
    )  # fmt: skip
    assert max(terms.values()) == 1


def _assert_clean(harness: Harness, reference: dict[str, Any]) -> None:
    _assert_no_duplicates(harness)
    assert crm_state(harness.sandbox) == reference
    harness.sandbox.ledger.reset()
    assert harness.run().status == "succeeded"
    assert harness.sandbox.ledger.writes == 0


# A full run of SIZE deals makes 16 port calls: 6 pulls (the written-task stream is empty),
# then deal waves (7-12), line items (13), deals again (14), tasks (15), company roll-ups (16).
@pytest.mark.parametrize("after", [False, True], ids=["before-call", "after-call"])
@pytest.mark.parametrize("at", [1, 7, 8, 13, 15, 16])
def test_a_crash_at_any_call_then_a_restart_ends_in_the_clean_state(
    make_harness: MakeHarness, at: int, after: bool
) -> None:
    reference = _reference(make_harness)
    harness = make_harness(new_sandbox(SIZE, SEED))
    with pytest.raises(SimulatedCrash):
        harness.run(wrap=lambda port: CrashingPort(port, at, after=after))
    assert harness.run().status == "succeeded"
    _assert_clean(harness, reference)


FAULTS = {
    "5% locked records": [FaultRule(FaultKind.LOCK_ROWS, share=0.05)],
    "bursts of 503": [FaultRule(FaultKind.HTTP_STATUS, status=503, share=0.5, times=8)],
    "500 and 502 on writes": [
        FaultRule(FaultKind.HTTP_STATUS, status=500, path_contains=UPSERT, times=2),
        FaultRule(FaultKind.HTTP_STATUS, status=502, path_contains="/batch/update", times=1),
    ],
    "a burst of 429": [FaultRule(FaultKind.HTTP_STATUS, status=429, times=3, after=4)],
    "lost write answers": [
        FaultRule(FaultKind.LOST_RESPONSE, path_contains=UPSERT, times=3, after=1)
    ],
}


@pytest.mark.parametrize("faults", list(FAULTS.values()), ids=list(FAULTS))
def test_injected_faults_end_in_the_same_state_as_a_clean_run(
    make_harness: MakeHarness, faults: list[FaultRule]
) -> None:
    reference = _reference(make_harness)
    sandbox = new_sandbox(SIZE, SEED)
    for rule in faults:
        sandbox.faults.add(rule)
    harness = make_harness(sandbox)
    result = harness.run()
    assert result.status == "succeeded", result.error
    assert all(rule.fired for rule in faults)
    _assert_clean(harness, reference)


def test_a_token_refused_mid_run_fails_cleanly_and_a_fresh_token_finishes(
    make_harness: MakeHarness,
) -> None:
    """A private-app token cannot be renewed by the service: the run fails, names the
    variable, never the token; the operator rotates it and the next run ends clean."""
    reference = _reference(make_harness)
    sandbox = new_sandbox(SIZE, SEED)
    old = sandbox.token
    rule = sandbox.faults.add(
        FaultRule(FaultKind.EXPIRED_SESSION, path_contains=UPSERT, times=1, after=2)
    )
    harness = make_harness(sandbox)
    failed = harness.run()
    assert rule.fired
    assert failed.status == "failed"
    assert "HUBSPOT_ACCESS_TOKEN" in (failed.error or "")
    assert old not in (failed.error or "")
    sandbox.expire_token()
    with pytest.raises(AuthenticationError):
        harness.run()  # the dead token is refused at connect, before any work
    sandbox.issue_token("pat-na1-rotated-0001")
    assert harness.run().status == "succeeded"
    _assert_clean(harness, reference)


def test_the_ten_second_window_is_honoured_without_a_429(
    make_harness: MakeHarness, fake_time: FakeTime
) -> None:
    reference = _reference(make_harness)
    harness = make_harness(new_sandbox(SIZE, SEED, rate_clock=fake_time, ten_second_limit=10))
    result = harness.run(hubspot_ten_second_limit=10)
    assert result.status == "succeeded", result.error
    assert harness.last_port is not None
    assert harness.last_port.door.rate_limited == 0
    calls = result.stats["api_calls"]
    assert len(fake_time.sleeps) == (calls - 1) // 10  # one wait per full window, no more
    assert crm_state(harness.sandbox) == reference


def test_a_portal_stricter_than_the_setting_answers_429_and_no_retry_storm_follows(
    make_harness: MakeHarness, fake_time: FakeTime
) -> None:
    reference = _reference(make_harness)
    sandbox = new_sandbox(SIZE, SEED, rate_clock=fake_time, ten_second_limit=10)
    harness = make_harness(sandbox)
    harness.policy = RetryPolicy(jitter=0.0)  # the shipped waits: a 429 waits what it names
    result = harness.run(hubspot_ten_second_limit=100)
    assert result.status == "succeeded", result.error
    assert harness.last_port is not None
    refused = harness.last_port.door.rate_limited
    calls = result.stats["api_calls"]
    assert 0 < refused <= (calls - refused) // 10 + 1  # one refusal per spent window
    assert set(fake_time.sleeps) == {10.0}  # each waits the interval HubSpot names
    assert crm_state(harness.sandbox) == reference


def test_a_spent_daily_allowance_defers_and_the_next_day_finishes(
    make_harness: MakeHarness,
) -> None:
    reference = _reference(make_harness)
    sandbox = new_sandbox(SIZE, SEED, daily_limit=20)
    harness = make_harness(sandbox)
    statuses = [harness.run(api_budget_share=1.0).status]
    while statuses[-1] == "deferred" and len(statuses) < 8:
        sandbox.clock.advance(timedelta(days=1))  # a new UTC day: the allowance is back
        statuses.append(harness.run(api_budget_share=1.0).status)
    assert statuses[0] == "deferred"
    assert statuses[-1] == "succeeded"
    _assert_no_duplicates(harness)
    assert crm_state(harness.sandbox) == reference


def test_a_dry_run_writes_nothing_and_foretells_the_real_run(make_harness: MakeHarness) -> None:
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


@pytest.mark.postgres
def test_two_runners_on_one_postgresql_database_never_run_at_once(
    make_harness: MakeHarness, postgres_url: str, postgres_schema: str
) -> None:
    target = DbTarget("postgresql", postgres_url, postgres_schema)
    harness = make_harness(new_sandbox(SIZE, SEED), target)
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
    other = target.open_store()
    try:
        results["second"] = Harness(harness.sandbox, harness.served, other, harness.time).run()
    finally:
        release.set()
        thread.join(20)
        other.close()
    assert results["second"].status == "skipped"
    assert results["first"].status == "succeeded"
    _assert_no_duplicates(harness)
