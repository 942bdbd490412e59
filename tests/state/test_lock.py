"""Only one runner at a time: the advisory lock on PostgreSQL, the lease on SQLite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from sync.state import LeaseRunLock, StateStore, advisory_key, utc_now
from sync.state.lock import default_holder, holder_gone, process_start
from tests.db_fixtures import DbTarget
from tests.state.conftest import FakeClock

HOLD_LOCK = """
import sys
from sync.state import StateStore
store = StateStore.open(sys.argv[1], schema=sys.argv[2] or None, run_migrations=False)
lock = store.run_lock(ttl=__import__("datetime").timedelta(seconds=float(sys.argv[3])))
print("acquired" if lock.try_acquire() else "refused", flush=True)
sys.stdin.readline()
store.close()
"""


@pytest.fixture
def other_store(db_target: DbTarget, store: StateStore, clock: FakeClock) -> Iterator[StateStore]:
    """A second store on the same database, like a second daemon (migrated by ``store``)."""
    second = db_target.open_store(clock=clock, run_migrations=False)
    try:
        yield second
    finally:
        second.close()


def hold_in_child(target: DbTarget, ttl_s: float = 300) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, target.url, target.schema or "", str(ttl_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "acquired"
    return child


def test_second_store_cannot_take_the_lock_while_the_first_holds_it(
    store: StateStore, other_store: StateStore
) -> None:
    with store.run_lock() as first:
        assert first
        with other_store.run_lock() as second:
            assert not second
        assert store.run_lock().held is False
    with other_store.run_lock() as after_release:
        assert after_release


def test_lock_is_released_when_the_store_closes(db_target: DbTarget, store: StateStore) -> None:
    holder = db_target.open_store(run_migrations=False)
    assert holder.run_lock().try_acquire()
    assert not store.run_lock().try_acquire()
    holder.close()
    assert store.run_lock().try_acquire()


def test_locks_of_different_names_do_not_block_each_other(
    store: StateStore, other_store: StateStore
) -> None:
    assert store.run_lock("salesforce").try_acquire()
    assert other_store.run_lock("hubspot").try_acquire()
    assert not other_store.run_lock("salesforce").try_acquire()


def test_holder_renews_while_it_holds(store: StateStore) -> None:
    lock = store.run_lock()
    assert not lock.renew()
    assert lock.try_acquire()
    assert lock.try_acquire()
    assert lock.renew()
    lock.release()
    assert not lock.held


def test_lock_held_by_another_process_refuses_then_frees(
    db_target: DbTarget, store: StateStore
) -> None:
    child = hold_in_child(db_target)
    try:
        assert not store.run_lock().try_acquire()
    finally:
        child.communicate("\n", timeout=30)
    assert store.run_lock().try_acquire()


@pytest.mark.postgres
def test_advisory_lock_of_a_killed_process_is_freed_by_the_server(
    postgres_url: str, postgres_schema: str
) -> None:
    target = DbTarget("postgresql", postgres_url, postgres_schema)
    with target.open_store() as store:
        child = hold_in_child(target)
        assert not store.run_lock().try_acquire()
        child.kill()
        child.wait(timeout=30)
        # the server ends the dead client's backend as soon as it notices the dropped
        # connection, which is soon but not at once: wait for it, at most ten seconds
        deadline = time.monotonic() + 10
        while not store.run_lock().try_acquire():
            assert time.monotonic() < deadline, "the server never freed the dead holder's lock"
            time.sleep(0.05)


def test_expired_lease_lets_another_holder_take_over(store: StateStore, clock: FakeClock) -> None:
    ttl = timedelta(minutes=5)
    first = LeaseRunLock(store.engine, "run", holder="daemon-a", ttl=ttl, clock=clock)
    second = LeaseRunLock(store.engine, "run", holder="daemon-b", ttl=ttl, clock=clock)
    assert first.try_acquire()
    clock.advance(minutes=4)
    assert first.renew()
    clock.advance(minutes=8)
    assert not second.try_acquire(now=clock.now - timedelta(minutes=4, seconds=1))
    assert second.try_acquire()
    assert not first.renew()
    first.release()
    assert not LeaseRunLock(store.engine, "run", holder="daemon-c", clock=clock).try_acquire()
    second.release()
    assert LeaseRunLock(store.engine, "run", holder="daemon-c", clock=clock).try_acquire()


def test_sqlite_lease_of_a_killed_process_on_this_host_is_taken_over_at_once(tmp_path) -> None:
    target = DbTarget("sqlite", f"sqlite:///{tmp_path}/state.db")
    with target.open_store() as store:
        child = hold_in_child(target, ttl_s=300)
        lock = store.run_lock()
        assert isinstance(lock, LeaseRunLock)
        assert not lock.try_acquire(now=utc_now())  # alive: it holds
        child.kill()
        child.wait(timeout=30)
        assert lock.try_acquire(now=utc_now())  # gone: no five-minute wait
        assert lock.holder_now() == lock.holder


def test_a_lease_of_another_host_or_a_live_process_waits_for_its_expiry(tmp_path) -> None:
    target = DbTarget("sqlite", f"sqlite:///{tmp_path}/state.db")
    with target.open_store() as store:
        elsewhere = store.run_lock(holder="other-host:1:-:abcd")
        assert isinstance(elsewhere, LeaseRunLock)
        assert elsewhere.try_acquire(now=utc_now())
        lock = store.run_lock()
        assert isinstance(lock, LeaseRunLock)
        assert not lock.try_acquire(now=utc_now())
        assert lock.try_acquire(now=utc_now() + timedelta(seconds=301))


def test_a_holder_is_gone_only_when_provably_so() -> None:
    host = socket.gethostname()
    me = default_holder()
    assert not holder_gone(me)
    assert holder_gone(f"{host}:{os.getpid()}:-:earlier")  # this pid's earlier life (restart)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert holder_gone(f"{host}:{dead.pid}:-:x")
    assert not holder_gone(f"elsewhere:{dead.pid}:-:x")  # another host: cannot tell
    assert not holder_gone("not-a-holder")
    parent = os.getppid()
    started = process_start(parent)
    assert not holder_gone(f"{host}:{parent}:{started or '-'}:x")
    if started is not None:  # the pid now runs another process than the one that held it
        assert holder_gone(f"{host}:{parent}:{int(started) - 1}:x")


def test_advisory_key_is_stable_and_signed_64_bit() -> None:
    assert advisory_key("renewal-sync:run") == advisory_key("renewal-sync:run")
    assert advisory_key("a") != advisory_key("b")
    assert -(2**63) <= advisory_key("renewal-sync:run") < 2**63
