"""The daemon's small parts: the next-run rule, the heartbeat, one runner, a graceful stop.

Time is a `ManualClock` the test moves: the daemon reads it for every decision (is a run
due, is a beat due, the stamp on the beat), so these tests mean the same on any date.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sync.core.stop import StopToken
from sync.daemon import Daemon, next_run_at
from sync.state import StateStore
from tests.clocks import ManualClock
from tests.db_fixtures import DbTarget

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
FAST_POLL = timedelta(milliseconds=10)


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

    clock = ManualClock(T0)
    daemon = Daemon(store, tick, timedelta(hours=1), "d-1", clock=clock, poll=FAST_POLL)
    try:
        daemon.start()
        assert started.wait(5)
        daemon.stop.request()
        daemon.shutdown()
        assert 0 < len(batches_done) < 100
        beat = store.heartbeats.latest("d-1")
        assert beat is not None
        assert beat.state == "stopped"
        assert beat.beat_at == T0  # stamped by the injected clock, not the wall clock
    finally:
        store.close()


def test_a_failing_tick_does_not_kill_the_daemon(db_target: DbTarget) -> None:
    store: StateStore = db_target.open_store()
    calls = threading.Semaphore(0)

    def tick(_stop: StopToken) -> None:
        calls.release()
        raise RuntimeError("CRM unreachable")

    clock = ManualClock(T0)
    daemon = Daemon(store, tick, timedelta(minutes=15), "d-2", clock=clock, poll=FAST_POLL)
    try:
        daemon.start()
        assert calls.acquire(timeout=5)
        clock.advance(timedelta(minutes=15))
        assert calls.acquire(timeout=5)  # the second tick came despite the first failing
        daemon.stop.request()
        daemon.shutdown()
    finally:
        store.close()


def test_no_run_starts_before_the_injected_clock_reaches_the_interval(
    db_target: DbTarget,
) -> None:
    store: StateStore = db_target.open_store()
    calls = threading.Semaphore(0)

    def tick(_stop: StopToken) -> None:
        calls.release()

    clock = ManualClock(T0)
    daemon = Daemon(store, tick, timedelta(minutes=15), "d-3", clock=clock, poll=FAST_POLL)
    try:
        daemon.start(last_started=T0 - timedelta(minutes=5))
        clock.advance(timedelta(minutes=9, seconds=59))
        assert not calls.acquire(timeout=0.3)  # 30 polls, each asking the frozen clock
        clock.advance(timedelta(seconds=1))
        assert calls.acquire(timeout=5)
    finally:
        daemon.stop.request()
        daemon.shutdown()
        store.close()
