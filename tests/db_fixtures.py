"""Database fixtures shared by every test folder that needs the state database.

Load it from the root ``tests/conftest.py`` with ``pytest_plugins = ["tests.db_fixtures"]``
(or import the fixtures into a folder's conftest, as ``tests/state/conftest.py`` does).

``db_target`` parametrises a test over SQLite (a file under ``tmp_path``) and PostgreSQL (a
fresh schema per test in the database named by ``TEST_POSTGRES_URL``, dropped afterwards), so
pytest-xdist workers sharing one database never see each other's rows or locks.
PostgreSQL tests skip when the server is unreachable, except under CI (``CI`` set) where an
unreachable server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from sync.state import StateStore

DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class DbTarget:
    """Where a test's state store lives: ``kind`` is ``sqlite`` or ``postgresql``."""

    kind: str
    url: str
    schema: str | None = None

    def open_store(self, **options: Any) -> StateStore:
        """Open (and migrate) a store on this target."""
        return StateStore.open(self.url, schema=self.schema, **options)

    def engine_options(self) -> dict[str, Any]:
        """``create_engine`` options that put a plain engine in the test's schema."""
        if self.schema is None:
            return {}
        return {"connect_args": {"options": f"-csearch_path={self.schema}"}}


def _postgres_error(url: str) -> str | None:
    """Why the server at ``url`` cannot be used, or ``None`` if it can."""
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        return str(exc.orig or exc).strip()
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL database; skip (fail under CI) if unreachable."""
    url = os.environ.get("TEST_POSTGRES_URL") or DEFAULT_TEST_POSTGRES_URL
    error = _postgres_error(url)
    if error is not None:
        message = f"PostgreSQL at TEST_POSTGRES_URL is unreachable: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A schema of its own for one test, dropped with everything in it afterwards."""
    schema = f"test_{uuid.uuid4().hex[:16]}"
    engine = create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_target(request: pytest.FixtureRequest, tmp_path: Any) -> DbTarget:
    """The state database of one test, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return DbTarget("sqlite", f"sqlite:///{tmp_path}/state/state.db")
    url: str = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_schema")
    return DbTarget("postgresql", url, schema)
