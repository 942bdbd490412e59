"""Crashes, faults, a spent allowance and a second runner all end in a clean run's state.

Each scenario runs against both CRMs; where the two differ (how many calls a run makes,
which faults a CRM's wire has), the parameters say so per CRM.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from crm_sandbox.faults import FaultKind, FaultRule
from mappings.streams import Stream
from sync.core.ports import Position, PulledPage
from tests.db_fixtures import DbTarget
from tests.pipeline.conftest import MakeOrg
from tests.pipeline.crashing import CrashingPort, SimulatedCrash
from tests.pipeline.orgs import Org

SEED, SIZE = 21, 60
_REFERENCE: dict[tuple[str, int, int], dict[str, Any]] = {}

# Port calls of a full run of SIZE records: Salesforce pulls 1-7, then renewal waves, lines,
# tasks, roll-ups; HubSpot 6 pulls, deal waves (7-12), line items (13), deals again (14),
# tasks (15), company roll-ups (16).
CRASH_POINTS = {"salesforce": (1, 4, 8, 10, 11, 12, 13, 14), "hubspot": (1, 7, 8, 13, 15, 16)}
FAULTS: dict[str, dict[str, list[FaultRule]]] = {
    "salesforce": {
        "5% locked rows": [FaultRule(FaultKind.LOCK_ROWS, share=0.05)],
        "bursts of 503": [FaultRule(FaultKind.HTTP_STATUS, status=503, share=0.5, times=8)],
        "lost write answers": [
            FaultRule(FaultKind.LOST_RESPONSE, methods=frozenset({"PATCH"}), times=3, after=1)
        ],
        "an expired session": [
            FaultRule(FaultKind.EXPIRED_SESSION, path_contains="/composite/", times=1)
        ],
    },
    "hubspot": {
        "5% locked records": [FaultRule(FaultKind.LOCK_ROWS, share=0.05)],
        "bursts of 503": [FaultRule(FaultKind.HTTP_STATUS, status=503, share=0.5, times=8)],
        "500 and 502 on writes": [
            FaultRule(FaultKind.HTTP_STATUS, status=500, path_contains="/batch/upsert", times=2),
            FaultRule(FaultKind.HTTP_STATUS, status=502, path_contains="/batch/update", times=1),
        ],
        "a burst of 429": [FaultRule(FaultKind.HTTP_STATUS, status=429, times=3, after=4)],
        "two bursts of eight 429s": [
            FaultRule(FaultKind.HTTP_STATUS, status=429, times=8, after=4),
            FaultRule(FaultKind.HTTP_STATUS, status=429, times=8, after=20),
        ],
        "lost write answers": [
            FaultRule(FaultKind.LOST_RESPONSE, path_contains="/batch/upsert", times=3, after=1)
        ],
    },
}
DAILY_LIMIT = {"salesforce": 13, "hubspot": 28}  # a few calls short of a full run


def reference(make_org: MakeOrg, crm: str) -> dict[str, Any]:
    """What a clean run leaves in the CRM (computed once per worker process and CRM)."""
    if (crm, SIZE, SEED) not in _REFERENCE:
        org = make_org(size=SIZE, seed=SEED)
        assert org.run().status == "succeeded"
        _REFERENCE[crm, SIZE, SEED] = org.crm_state()
    return _REFERENCE[crm, SIZE, SEED]


def assert_no_duplicates(org: Org) -> None:
    for kind, keys in org.service_keys().items():
        assert not keys or max(keys.values()) == 1, kind
    terms = org.open_renewal_terms()
    assert not terms or max(terms.values()) == 1


def assert_clean(org: Org, expected: dict[str, Any]) -> None:
    """The clean run's state, and a rerun that has nothing left to write."""
    assert_no_duplicates(org)
    assert org.crm_state() == expected
    org.reset_ledger()
    assert org.run().status == "succeeded"
    assert org.writes() == 0


@pytest.mark.parametrize("after", [False, True], ids=["before-call", "after-call"])
@pytest.mark.parametrize(
    ("crm", "at"), [(crm, at) for crm, points in CRASH_POINTS.items() for at in points]
)
def test_a_crash_at_a_call_then_a_restart_ends_in_the_clean_state(
    make_org: MakeOrg, crm: str, at: int, after: bool
) -> None:
    expected = reference(make_org, crm)
    org = make_org(size=SIZE, seed=SEED)
    with pytest.raises(SimulatedCrash):
        org.run(wrap=lambda port: CrashingPort(port, at, after=after))
    assert org.run().status == "succeeded"
    assert_clean(org, expected)


@pytest.mark.parametrize(
    ("crm", "faults"),
    [(crm, rules) for crm, named in FAULTS.items() for rules in named.values()],
    ids=[f"{crm}-{name}" for crm, named in FAULTS.items() for name in named],
)
def test_injected_faults_end_in_the_same_state_as_a_clean_run(
    make_org: MakeOrg, crm: str, faults: list[FaultRule]
) -> None:
    expected = reference(make_org, crm)
    org = make_org(size=SIZE, seed=SEED)
    for rule in faults:
        org.sandbox.faults.add(rule)
    result = org.run()
    assert result.status == "succeeded", result.error
    assert all(rule.fired for rule in faults)
    assert_clean(org, expected)


def test_a_spent_api_allowance_defers_and_the_next_day_finishes(
    make_org: MakeOrg, crm: str
) -> None:
    expected = reference(make_org, crm)
    org = make_org(size=SIZE, seed=SEED, daily_limit=DAILY_LIMIT[crm])
    statuses = [org.run(api_budget_share=1.0).status]
    while statuses[-1] == "deferred" and len(statuses) < 8:
        org.new_day_of_allowance()
        statuses.append(org.run(api_budget_share=1.0).status)
    assert statuses[0] == "deferred"
    assert statuses[-1] == "succeeded"
    assert_no_duplicates(org)
    assert org.crm_state() == expected


def test_the_configured_share_of_the_allowance_defers_before_the_call(
    make_org: MakeOrg, crm: str
) -> None:
    org = make_org(size=SIZE, seed=SEED, daily_limit=20)
    result = org.run(api_budget_share=0.25)
    assert result.status == "deferred"
    assert "API_BUDGET_REACHED" in (result.error or "")
    assert result.stats["api_calls"] <= 6


def test_a_dry_run_writes_nothing_and_foretells_the_real_run(make_org: MakeOrg) -> None:
    org = make_org(size=SIZE, seed=SEED)
    preview = org.run(dry_run=True)
    assert preview.status == "succeeded"
    assert org.writes() == 0
    assert not org.renewals()
    assert preview.report is not None
    planned = {i.key for i in preview.report.changes["renewal"]}
    real = org.run()
    assert real.report is not None
    assert {i.key for i in real.report.changes["renewal"]} == planned
    assert len(org.renewals()) == len(planned)


def test_two_runners_on_one_database_never_run_at_once(
    make_org: MakeOrg, db_target: DbTarget
) -> None:
    org = make_org(size=SIZE, seed=SEED, target=db_target)
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
        results["first"] = org.run(wrap=lambda port: Pausing(port, 0, after=False))

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    other = db_target.open_store()
    try:
        results["second"] = org.with_store(other).run()
    finally:
        release.set()
        thread.join(20)
        other.close()
    assert results["second"].status == "skipped"
    assert results["first"].status == "succeeded"
    assert_no_duplicates(org)
