"""Fixtures of the state-store tests: a migrated store on each database and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sync.state import StateStore
from tests.db_fixtures import DbTarget, db_target, postgres_schema, postgres_url

__all__ = ["FakeClock", "db_target", "postgres_schema", "postgres_url"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_target: DbTarget, clock: FakeClock) -> Iterator[StateStore]:
    """A migrated store on the parametrised database, closed after the test."""
    opened = db_target.open_store(clock=clock)
    try:
        yield opened
    finally:
        opened.close()
