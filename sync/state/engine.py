"""Engine construction: the only dialect-aware set-up besides upserts and the run lock.

SQLite: the parent directory of the file is created, WAL lets the health check read while a
run writes, a busy timeout waits out short write locks, and the sqlite3 driver's legacy
transaction mode is switched off (it never emits BEGIN before SELECT or DDL, which breaks
"page and cursor commit together"). Write transactions start with ``BEGIN IMMEDIATE`` so a
transaction that reads before it writes can never fail on lock upgrade.

PostgreSQL: an optional ``schema`` becomes the connection's ``search_path``, which is how
tests (and deployments sharing a database) keep separate stores in one database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_S = 30.0
WRITE = {"sqlite_begin": "IMMEDIATE"}
"""Execution options for a connection that will write (no effect on PostgreSQL)."""

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def create_state_engine(url: str, *, schema: str | None = None, **options: Any) -> Engine:
    """Create the engine for a state URL; ``options`` go to :func:`sqlalchemy.create_engine`."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, options)
    if schema is not None:
        connect_args = dict(options.pop("connect_args", {}))
        connect_args["options"] = f"{connect_args.get('options', '')} -csearch_path={schema}"
        options["connect_args"] = connect_args
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def check_schema_name(schema: str) -> str:
    """Refuse anything but a plain identifier: it is spliced into DDL and connect options."""
    if not _SCHEMA_NAME.match(schema):
        msg = f"invalid schema name {schema!r}"
        raise ValueError(msg)
    return schema


def _sqlite_engine(url: str, options: dict[str, Any]) -> Engine:
    """SQLite engine with a real transaction model (see module docstring)."""
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    connect_args = dict(options.pop("connect_args", {}))
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
    engine = create_engine(url, connect_args=connect_args, **options)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    """Take transaction control away from the driver and set the file up for concurrency."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    """Emit BEGIN ourselves; IMMEDIATE when the connection was marked as a writer."""
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that will write (``BEGIN IMMEDIATE`` on SQLite)."""
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a read transaction (a consistent snapshot on both dialects)."""
    with engine.connect() as conn, conn.begin():
        yield conn


def insert_for(conn: Connection) -> Callable[..., Any]:
    """The dialect's ``insert`` construct, the one that offers ``on_conflict_do_*``."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert
    if conn.dialect.name == "sqlite":
        return sqlite.insert
    msg = f"unsupported state database dialect {conn.dialect.name!r}"
    raise NotImplementedError(msg)
