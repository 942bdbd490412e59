"""Run history, the per-record error life cycle, and heartbeat freshness."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sync.state import RecordFailure, RunMode, RunStatus, Stage, StateStore, UnknownRunError
from tests.state.conftest import T0, FakeClock


def test_run_is_started_updated_and_finished(store: StateStore, clock: FakeClock) -> None:
    run = store.runs.start("salesforce", RunMode.FULL)
    assert (run.status, run.started_at, run.finished_at) == (RunStatus.RUNNING, T0, None)
    store.runs.update_stats(run.run_id, {"pulled": 10})
    clock.advance(minutes=3)
    done = store.runs.finish(run.run_id, RunStatus.SUCCEEDED, stats={"pulled": 12, "api_calls": 4})
    assert (done.status, done.finished_at, done.stats) == (
        RunStatus.SUCCEEDED,
        T0 + timedelta(minutes=3),
        {"pulled": 12, "api_calls": 4},
    )
    assert store.runs.last("salesforce") == done


def test_stale_running_runs_become_interrupted_when_a_run_starts(
    store: StateStore, clock: FakeClock
) -> None:
    crashed = store.runs.start("salesforce", RunMode.INCREMENTAL)
    other_crm = store.runs.start("hubspot", RunMode.INCREMENTAL)
    clock.advance(hours=1)
    fresh = store.runs.start("salesforce", RunMode.INCREMENTAL)
    before = store.runs.get(crashed.run_id)
    assert before is not None
    assert (before.status, before.finished_at) == (RunStatus.INTERRUPTED, clock.now)
    assert store.runs.get(other_crm.run_id).status == RunStatus.RUNNING  # type: ignore[union-attr]
    assert [r.run_id for r in store.runs.recent("salesforce")] == [fresh.run_id, crashed.run_id]
    assert store.runs.interrupt_stale() == 2


def test_finish_rejects_running_and_unknown_runs(store: StateStore) -> None:
    run = store.runs.start("salesforce", RunMode.DRY_RUN)
    with pytest.raises(ValueError, match="final"):
        store.runs.finish(run.run_id, RunStatus.RUNNING)
    with pytest.raises(UnknownRunError):
        store.runs.finish("no-such-run", RunStatus.FAILED, error="boom")
    failed = store.runs.finish(run.run_id, RunStatus.DEFERRED, error="REQUEST_LIMIT_EXCEEDED")
    assert failed.error == "REQUEST_LIMIT_EXCEEDED"
    assert store.runs.last("salesforce") is None
    assert store.runs.last("salesforce", statuses=[RunStatus.DEFERRED]) == failed


def failure(key: str, code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION") -> RecordFailure:
    return RecordFailure(
        "salesforce", "Opportunity", key, Stage.PUSH, code, "Close date required", {"Name": key}
    )


def test_error_life_cycle(store: StateStore, clock: FakeClock) -> None:
    store.errors.record([failure("ren-1"), failure("ren-2")], run_id="r1")
    clock.advance(hours=1)
    store.errors.record([failure("ren-1", code="UNABLE_TO_LOCK_ROW")], run_id="r2")
    by_key = {e.record_key: e for e in store.errors.open("salesforce")}
    assert (by_key["ren-1"].attempts, by_key["ren-1"].code, by_key["ren-1"].last_run_id) == (
        2,
        "UNABLE_TO_LOCK_ROW",
        "r2",
    )
    assert (by_key["ren-1"].first_seen_at, by_key["ren-1"].last_seen_at) == (T0, clock.now)
    assert by_key["ren-2"].payload == {"Name": "ren-2"}

    assert store.errors.resolve("salesforce", "Opportunity", ["ren-1"], stage=Stage.PUSH) == 1
    assert [e.record_key for e in store.errors.open()] == ["ren-2"]
    assert store.errors.count_open("salesforce") == 1

    clock.advance(days=1)
    store.errors.record([failure("ren-1")])
    reopened = store.errors.open(stage=Stage.PUSH, object_type="Opportunity")[0]
    assert (reopened.record_key, reopened.attempts, reopened.first_seen_at) == (
        "ren-1",
        1,
        clock.now,
    )
    assert reopened.resolved_at is None


def test_retry_candidates_are_open_errors_oldest_first_below_max_attempts(
    store: StateStore, clock: FakeClock
) -> None:
    store.errors.record([failure("old")])
    clock.advance(minutes=1)
    store.errors.record([failure("new"), failure("hopeless")])
    for _ in range(4):
        store.errors.record([failure("hopeless")])
    store.errors.record(
        [RecordFailure("salesforce", "Account", "001", Stage.PULL, "INVALID_FIELD", "x")]
    )
    candidates = store.errors.retry_candidates("salesforce", Stage.PUSH, max_attempts=5)
    assert [e.record_key for e in candidates] == ["old", "new"]
    assert [e.record_key for e in store.errors.retry_candidates("salesforce", Stage.PULL)] == [
        "001"
    ]


def test_heartbeat_freshness(store: StateStore, clock: FakeClock) -> None:
    assert not store.heartbeats.is_fresh(timedelta(seconds=90))
    beat = store.heartbeats.beat("daemon-a", "running", hostname="box", pid=42)
    assert store.heartbeats.latest("daemon-a") == beat
    clock.advance(seconds=60)
    assert store.heartbeats.is_fresh(timedelta(seconds=90))
    clock.advance(seconds=31)
    assert not store.heartbeats.is_fresh(timedelta(seconds=90))
    store.heartbeats.beat("daemon-b", "idle")
    assert store.heartbeats.is_fresh(timedelta(seconds=90))
    assert not store.heartbeats.is_fresh(timedelta(seconds=90), daemon_id="daemon-a")
    store.heartbeats.remove("daemon-b")
    assert store.heartbeats.latest() == beat
