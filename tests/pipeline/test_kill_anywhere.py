"""A kill at any HTTP call of a 1,000-opportunity run, or a spent allowance at any call,
ends - after at most two further runs - in exactly the clean run's CRM state.

The kill is at the HTTP level (`tests/pipeline/killing.py`), so it also lands between the
calls of one port call: between two chunks of one renewal's lines, between a HubSpot batch
and its associations. Each point is tried twice: killed before the CRM saw the call, and
killed after the CRM committed it (the answer lost).

CI runs a fixed sample of points per CRM. The whole sweep (every write call, both ways,
and a deferral at every call) runs with `RENEWAL_SYNC_SWEEP=full`:

    RENEWAL_SYNC_SWEEP=full .venv/bin/pytest -n 2 tests/pipeline/test_kill_anywhere.py -k sweep
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest

from sync.core.ports import DeferRunError
from tests.pipeline.conftest import MakeOrg
from tests.pipeline.crashing import SimulatedCrash
from tests.pipeline.killing import HttpCall, HttpKiller, killing
from tests.pipeline.orgs import Org

SIZE, SEED = 1000, 7
FULL = os.environ.get("RENEWAL_SYNC_SWEEP") == "full"
_CLEAN: dict[str, tuple[dict[str, Any], list[HttpCall]]] = {}

# Write calls of the clean run picked for CI, by their role in the run rather than by number
# (the count moves whenever a feature adds a call): the first renewal wave, the first two
# chunks of the lines, the close-won pass right after them, the first task wave, the last write.
ROLES = ("first", "first_lines", "second_lines", "after_lines", "first_tasks", "last")
# Deferral points as shares of the clean run's calls: in the pull, the first writes, the
# lines and tasks, the roll-ups.
DEFERRAL_SHARES = (0.06, 0.5, 0.7, 0.85)


def clean(make_org: MakeOrg, crm: str) -> tuple[dict[str, Any], list[HttpCall]]:
    """The clean run's CRM state and its HTTP calls (once per worker process and CRM)."""
    if crm not in _CLEAN:
        org = make_org(size=SIZE, seed=SEED)
        with killing(HttpKiller()) as killer:
            assert org.run().status == "succeeded"
        _CLEAN[crm] = (org.crm_state(), killer.calls)
    return _CLEAN[crm]


@dataclass
class Outcome:
    point: str
    runs_needed: int | None  # further runs until the clean state; None: never reached
    rerun_writes: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.runs_needed is not None and self.rerun_writes == 0


def _recover(org: Org, expected: dict[str, Any], point: str) -> Outcome:
    """Up to two further runs, then a rerun that must write nothing."""
    for runs in (1, 2):
        result = org.run()
        assert result.status == "succeeded", (point, result.error)
        if org.crm_state() == expected:
            org.reset_ledger()
            assert org.run().status == "succeeded"
            return Outcome(point, runs, org.writes())
    return Outcome(point, None, differences=_differences(org.crm_state(), expected))


def _differences(state: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    found = []
    for kind, wanted in expected.items():
        have = state[kind]
        for key in sorted(set(wanted) | set(have)):
            if have.get(key) != wanted.get(key):
                found.append(f"{kind} {key}: {have.get(key)} != clean {wanted.get(key)}")
    return found[:5]


def kill_at(make_org: MakeOrg, crm: str, call: int, *, after: bool) -> Outcome:
    expected, calls = clean(make_org, crm)
    point = f"{crm} {'after' if after else 'before'} call {call} {calls[call - 1].path}"
    org = make_org(size=SIZE, seed=SEED)
    with killing(HttpKiller(call, after)), pytest.raises(SimulatedCrash):
        org.run()
    return _recover(org, expected, point)


def defer_at(make_org: MakeOrg, crm: str, call: int) -> Outcome:
    """The allowance runs out at `call`; the next day the run resumes."""
    expected, _ = clean(make_org, crm)
    org = make_org(size=SIZE, seed=SEED)
    org.limit_calls_today(call - 1)
    point = f"{crm} deferred at call {call}"
    try:
        result = org.run(api_budget_share=1.0)
    except DeferRunError:  # the login itself was refused: no run began
        pass
    else:
        assert result.status in ("deferred", "succeeded"), (point, result.error)
    org.lift_call_limit()
    return _recover(org, expected, point)


def sampled_write(calls: list[HttpCall], role: str) -> int:
    """The 1-based number of the clean run's write call that plays `role`."""
    writes = [n for n, c in enumerate(calls, start=1) if c.is_write]
    lines = [n for n in writes if _is_line_write(calls[n - 1].path)]
    tasks = [n for n in writes if _is_task_write(calls[n - 1].path)]
    assert len(lines) >= 2, "the clean run must write its lines in more than one chunk"
    assert tasks, "the clean run must write tasks"
    picked = {
        "first": writes[0],
        "first_lines": lines[0],
        "second_lines": lines[1],
        "after_lines": next(n for n in writes if n > lines[-1]),
        "first_tasks": tasks[0],
        "last": writes[-1],
    }
    return picked[role]


def _is_task_write(path: str) -> bool:
    return "/sobjects/Task/" in path or "/objects/tasks/" in path


def _is_line_write(path: str) -> bool:
    return "OpportunityLineItem" in path or "/objects/line_items" in path


@pytest.mark.slow
@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("role", ROLES)
def test_a_kill_at_a_sampled_write_call_ends_in_the_clean_state(
    make_org: MakeOrg, crm: str, role: str, after: bool
) -> None:
    call = sampled_write(clean(make_org, crm)[1], role)
    outcome = kill_at(make_org, crm, call, after=after)
    assert outcome.ok, (outcome.point, outcome.differences)


@pytest.mark.slow
@pytest.mark.parametrize("nth", range(4))
def test_a_deferral_at_a_sampled_call_ends_in_the_clean_state(
    make_org: MakeOrg, crm: str, nth: int
) -> None:
    calls = clean(make_org, crm)[1]
    outcome = defer_at(make_org, crm, max(2, round(len(calls) * DEFERRAL_SHARES[nth])))
    assert outcome.ok, (outcome.point, outcome.differences)


MOST_CALLS = 120  # more HTTP calls than a clean run of SIZE makes on either CRM
SWEPT = range(1, MOST_CALLS + 1) if FULL else range(0)  # collected only for the full sweep
full_sweep = pytest.mark.skipif(not FULL, reason="the full sweep runs with RENEWAL_SYNC_SWEEP=full")


@full_sweep
@pytest.mark.parametrize("after", [False, True], ids=["before", "after"])
@pytest.mark.parametrize("call", SWEPT)
def test_sweep_a_kill_at_every_write_call(
    make_org: MakeOrg, crm: str, call: int, after: bool
) -> None:
    calls = clean(make_org, crm)[1]
    assert len(calls) < MOST_CALLS
    if call > len(calls) or not calls[call - 1].is_write:
        pytest.skip(f"call {call} of the clean {crm} run is not a write")
    outcome = kill_at(make_org, crm, call, after=after)
    assert outcome.ok, (outcome.point, outcome.differences)
    print(f"\n{outcome.point}: clean after {outcome.runs_needed} run(s)")


@full_sweep
@pytest.mark.parametrize("call", SWEPT)
def test_sweep_a_deferral_at_every_call(make_org: MakeOrg, crm: str, call: int) -> None:
    if call > len(clean(make_org, crm)[1]):
        pytest.skip(f"the clean {crm} run makes fewer than {call} calls")
    outcome = defer_at(make_org, crm, call)
    assert outcome.ok, (outcome.point, outcome.differences)
    print(f"\n{outcome.point}: clean after {outcome.runs_needed} run(s)")
