"""The run lock: at most one runner syncs a store at a time, even across hosts.

One API, :class:`RunLock`, two mechanisms:

* PostgreSQL - :class:`AdvisoryRunLock`: a session-level ``pg_try_advisory_lock`` held on a
  dedicated connection for the whole run. The server drops it when that session ends, so a
  killed daemon never leaves a stale lock. The 64-bit key hashes the lock name together with
  the connection's ``current_schema()``, so stores in different schemas of one database do
  not block each other.
* SQLite - :class:`LeaseRunLock`: a row in ``run_leases`` (holder, expires_at) taken with one
  atomic upsert that only succeeds when the lease is free, expired, or already ours. The
  holder must :meth:`RunLock.renew` well within the TTL (e.g. every page). A holder that is
  provably gone - on this host, and its process no longer alive (or its pid now another
  process) - is taken over at once; a holder on another host blocks until the lease expires.
  The lease also works on PostgreSQL.

All methods are non-blocking; ``with lock as acquired:`` yields whether it was taken and
releases it on exit.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from types import TracebackType

from sqlalchemy import Connection, Engine, case, delete, or_, select, text
from sqlalchemy.exc import DBAPIError

from sync.state.engine import insert_for, write_transaction
from sync.state.models import LeaseRow
from sync.state.types import Clock, ensure_utc, utc_now

DEFAULT_LEASE_TTL = timedelta(minutes=5)


_THIS_PROCESS_HOLDERS: set[str] = set()
"""Holders this process created: the same pid with another holder is a dead predecessor."""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (same in every process and Python version)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def default_holder() -> str:
    """`host:pid:start:nonce`: enough to tell two holders apart, and to tell on this host
    whether a holder's process is still the one that took the lease (pids are reused)."""
    pid = os.getpid()
    holder = f"{socket.gethostname()}:{pid}:{process_start(pid) or '-'}:{uuid.uuid4().hex[:8]}"
    _THIS_PROCESS_HOLDERS.add(holder)
    return holder


def process_start(pid: int) -> str | None:
    """When process `pid` started, in clock ticks since boot (Linux), or None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19] if len(fields) > 19 else None  # field 22 of proc(5): starttime


def holder_gone(holder: str, *, host: str | None = None) -> bool:
    """True only when `holder` provably no longer runs: same host, and its pid is dead or
    belongs to a process that started at another time. Anything unsure is alive."""
    parts = holder.split(":")
    if len(parts) < 3 or parts[0] != (host or socket.gethostname()):
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if pid == os.getpid():
        return holder not in _THIS_PROCESS_HOLDERS  # an earlier life of this pid (a restart)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    started = parts[2] if len(parts) >= 4 else None
    now = process_start(pid)
    return started not in (None, "-") and now is not None and now != started


class RunLock(ABC):
    """Non-blocking, renewable mutual exclusion between runners of one store."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    @abstractmethod
    def held(self) -> bool:
        """Whether this instance believes it holds the lock."""

    @abstractmethod
    def try_acquire(self) -> bool:
        """Take the lock if free (or already ours); never waits."""

    @abstractmethod
    def renew(self) -> bool:
        """Confirm (and for leases extend) ownership; ``False`` means stop working now."""

    @abstractmethod
    def release(self) -> None:
        """Give the lock up; harmless when not held."""

    def holder_now(self) -> str | None:
        """Who holds the lock now, when the mechanism can tell (the lease can)."""
        return None

    def __enter__(self) -> bool:
        return self.try_acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class AdvisoryRunLock(RunLock):
    """PostgreSQL session advisory lock on a connection kept open while held."""

    def __init__(self, engine: Engine, name: str) -> None:
        super().__init__(name)
        self._engine = engine
        self._conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def try_acquire(self) -> bool:
        """Open a dedicated autocommit connection and try the lock on it."""
        if self._conn is not None:
            return self.renew()
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            schema = conn.scalar(text("SELECT current_schema()"))
            key = advisory_key(f"{schema}:{self.name}")
            acquired = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        except BaseException:
            conn.invalidate()
            conn.close()
            raise
        if not acquired:
            conn.close()
            return False
        self._conn = conn
        return True

    def renew(self) -> bool:
        """The lock lives as long as the session: check the session is still alive."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
        except DBAPIError:
            self._drop(invalidate=True)
            return False
        return True

    def release(self) -> None:
        """Unlock, then return the connection; a connection we cannot unlock is discarded."""
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock_all()"))
        except DBAPIError:
            self._drop(invalidate=True)
            return
        self._drop(invalidate=False)

    def _drop(self, *, invalidate: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if invalidate:
            conn.invalidate()
        conn.close()


class LeaseRunLock(RunLock):
    """Lease row with an expiry, taken by one atomic conditional upsert."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        *,
        holder: str | None = None,
        ttl: timedelta = DEFAULT_LEASE_TTL,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(name)
        self.holder = holder or default_holder()
        _THIS_PROCESS_HOLDERS.add(self.holder)
        self.ttl = ttl
        self._engine = engine
        self._clock = clock
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def try_acquire(self, now: datetime | None = None) -> bool:
        """Insert the lease, or take it over when it is expired, ours, or its holder gone."""
        now = ensure_utc(now or self._clock())
        if self._take(now):
            return True
        other = self.holder_now()
        if other is not None and holder_gone(other):
            self._take(now, gone=other)
        return self._held

    def holder_now(self) -> str | None:
        """Who holds the lease row now (expired or not), or None when there is none."""
        with self._engine.connect() as conn:
            return conn.scalar(select(LeaseRow.holder).where(LeaseRow.name == self.name))

    def _take(self, now: datetime, *, gone: str | None = None) -> bool:
        with write_transaction(self._engine) as conn:
            insert = insert_for(conn)(LeaseRow).values(
                name=self.name, holder=self.holder, acquired_at=now, expires_at=now + self.ttl
            )
            mine = LeaseRow.holder == self.holder
            stmt = insert.on_conflict_do_update(
                index_elements=[LeaseRow.name],
                set_={
                    "holder": self.holder,
                    "acquired_at": case((mine, LeaseRow.acquired_at), else_=now),
                    "expires_at": insert.excluded.expires_at,
                },
                where=or_(
                    mine,
                    LeaseRow.expires_at <= now,
                    LeaseRow.holder == (gone if gone is not None else self.holder),
                ),
            ).returning(LeaseRow.holder)
            self._held = conn.execute(stmt).scalar_one_or_none() == self.holder
        return self._held

    def renew(self, now: datetime | None = None) -> bool:
        """Extend a lease we hold; fails if another holder took it over after it expired."""
        return self._held and self._take(ensure_utc(now or self._clock()))

    def release(self) -> None:
        """Delete our lease row (never someone else's)."""
        if not self._held:
            return
        with write_transaction(self._engine) as conn:
            conn.execute(
                delete(LeaseRow).where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
            )
        self._held = False
