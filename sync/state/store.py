"""The state store facade: one object the pipeline, daemon and CLI talk to.

``StateStore.open(url)`` creates the engine, brings the schema to the shipped head revision
and exposes one repository per table (``store.mirror``, ``store.cursors``, ``store.written``,
``store.seen``, ``store.runs``, ``store.errors``, ``store.heartbeats``). Used directly, each
repository call is its own short transaction. Inside ``with store.transaction() as tx:`` the
same repositories (``tx.mirror`` ...) share one transaction that commits at the end of the
block or rolls back on an exception - the unit of work the pull step needs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from sync.state.cursors import Cursor, CursorRepository
from sync.state.engine import check_schema_name, create_state_engine, write_transaction
from sync.state.errors import ErrorRepository
from sync.state.heartbeat import HeartbeatRepository
from sync.state.lock import DEFAULT_LEASE_TTL, AdvisoryRunLock, LeaseRunLock, RunLock
from sync.state.migrate import migrate
from sync.state.mirror import MirrorRecord, MirrorRepository
from sync.state.repository import BoundSource, ConnectionSource, EngineSource
from sync.state.runs import RunRepository
from sync.state.seen import FirstSeenRepository
from sync.state.types import Clock, utc_now
from sync.state.written import WrittenRepository

DEFAULT_URL = "sqlite:///.renewal-sync/state.db"
URL_ENV = "DATABASE_URL"
DEFAULT_LOCK_NAME = "renewal-sync:run"


def default_url() -> str:
    """``DATABASE_URL`` if set, else the SQLite file under ``.renewal-sync/``."""
    return os.environ.get(URL_ENV) or DEFAULT_URL


class Repositories:
    """The table repositories, all on one connection source."""

    def __init__(self, source: ConnectionSource, clock: Clock) -> None:
        self.mirror = MirrorRepository(source, clock)
        self.cursors = CursorRepository(source, clock)
        self.written = WrittenRepository(source, clock)
        self.seen = FirstSeenRepository(source, clock)
        self.runs = RunRepository(source, clock)
        self.errors = ErrorRepository(source, clock)
        self.heartbeats = HeartbeatRepository(source, clock)


class StateTransaction(Repositories):
    """Repositories bound to one open transaction (see :meth:`StateStore.transaction`)."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        super().__init__(BoundSource(connection), clock)
        self.connection = connection


class StateStore(Repositories):
    """Facade over the state database: repositories, unit of work, run lock."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        super().__init__(EngineSource(engine), clock)
        self.engine = engine
        self.clock = clock
        self._locks: list[RunLock] = []

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        schema: str | None = None,
        clock: Clock = utc_now,
        run_migrations: bool = True,
        **engine_options: Any,
    ) -> Self:
        """Connect to ``url`` (default: :func:`default_url`) and migrate to head.

        ``schema`` (PostgreSQL only) keeps the store in its own schema, created if missing;
        ``engine_options`` go to :func:`sqlalchemy.create_engine`.
        """
        url = url or default_url()
        if schema is not None:
            check_schema_name(schema)
            if make_url(url).get_backend_name() == "postgresql":
                _create_schema(url, schema)
        engine = create_state_engine(url, schema=schema, **engine_options)
        if run_migrations:
            migrate(engine)
        return cls(engine, clock=clock)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[StateTransaction]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        with write_transaction(self.engine) as conn:
            yield StateTransaction(conn, self.clock)

    def save_page(
        self,
        records: Iterable[MirrorRecord],
        cursor: Cursor,
        *,
        now: datetime | None = None,
        ceiling: datetime | None = None,
    ) -> Cursor:
        """Store a page of pulled records and advance its stream's cursor, atomically.

        ``ceiling`` is the run's start time: the cursor may not pass it (see
        :mod:`sync.state.cursors` for the full cursor rule).
        """
        with self.transaction() as tx:
            tx.mirror.upsert(records, now=now)
            return tx.cursors.save(cursor, now=now, ceiling=ceiling)

    def run_lock(
        self,
        name: str = DEFAULT_LOCK_NAME,
        *,
        ttl: timedelta = DEFAULT_LEASE_TTL,
        holder: str | None = None,
    ) -> RunLock:
        """The run lock for this store: advisory on PostgreSQL, a lease on SQLite.

        ``ttl`` and ``holder`` only matter for the lease. Locks still held are released by
        :meth:`close`.
        """
        lock: RunLock
        if self.dialect == "postgresql":
            lock = AdvisoryRunLock(self.engine, name)
        else:
            lock = LeaseRunLock(self.engine, name, holder=holder, ttl=ttl, clock=self.clock)
        self._locks.append(lock)
        return lock

    def close(self) -> None:
        """Release locks this store handed out and close every pooled connection."""
        for lock in self._locks:
            lock.release()
        self._locks.clear()
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _create_schema(url: str, schema: str) -> None:
    """Create the PostgreSQL schema before connecting with it on the search path."""
    engine = create_state_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    finally:
        engine.dispose()
