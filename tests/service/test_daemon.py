"""The daemon's small parts: the next-run rule, the heartbeat, one runner, a graceful stop."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sync.daemon import Daemon, StopToken, next_run_at
from sync.state import StateStore
from tests.db_fixtures import DbTarget

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def test_next_run_is_now_when_never_run_or_overdue() -> None:
    interval = timedelta(minutes=15)
    assert next_run_at(None, T0, interval) == T0
    assert next_run_at(T0 - timedelta(hours=1), T0, interval) == T0


def test_next_run_waits_one_interval_after_the_last_start() -> None:
    interval = timedelta(minutes=15)
    last = T0 - timedelta(minutes=5)
    assert next_run_at(last, T0, interval) == T0 + timedelta(minutes=10)


def test_stop_token_lets_the_batch_in_flight_finish(db_target: DbTarget) -> None:
    store = db_target.open_store()
    batches_done: list[int] = []
    started = threading.Event()

    def tick(stop: StopToken) -> None:
        for batch in range(100):
            if stop.requested:
                return
            started.set()
            stop.wait(0.01)
            batches_done.append(batch)

    daemon = Daemon(store, tick, timedelta(hours=1), "d-1", clock=lambda: T0)
    try:
        daemon.start()
        assert started.wait(5)
        daemon.stop.request()
        daemon.shutdown()
        assert 0 < len(batches_done) < 100
        beat = store.heartbeats.latest("d-1")
        assert beat is not None
        assert beat.state == "stopped"
    finally:
        store.close()


def test_a_failing_tick_does_not_kill_the_daemon(db_target: DbTarget) -> None:
    store: StateStore = db_target.open_store()
    calls = threading.Semaphore(0)

    def tick(_stop: StopToken) -> None:
        calls.release()
        raise RuntimeError("CRM unreachable")

    daemon = Daemon(store, tick, timedelta(milliseconds=50), "d-2", clock=lambda: T0)
    try:
        daemon.start()
        assert calls.acquire(timeout=5)
        assert calls.acquire(timeout=5)  # the second tick came despite the first failing
        daemon.stop.request()
        daemon.shutdown()
    finally:
        store.close()
