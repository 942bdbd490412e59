"""Plumbing shared by the repositories: where their connection comes from, and "now".

Every repository runs on a :class:`ConnectionSource`. Used from the :class:`StateStore`
facade, each call is its own transaction; used from ``store.transaction()``, every call joins
the one open transaction, which is how a page of records and its cursor commit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from itertools import islice
from typing import Protocol, TypeVar

from sqlalchemy import Connection, Engine

from sync.state.engine import read_transaction, write_transaction
from sync.state.types import Clock, ensure_utc

T = TypeVar("T")


class ConnectionSource(Protocol):
    """Hands out a connection inside a transaction, for reading or for writing."""

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection for queries only."""
        ...

    def writing(self) -> AbstractContextManager[Connection]:
        """A connection for statements that change rows."""
        ...


class EngineSource:
    """One short transaction per call (the facade's default)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def reading(self) -> AbstractContextManager[Connection]:
        return read_transaction(self.engine)

    def writing(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine)


class BoundSource:
    """Every call joins the caller's open transaction on ``connection``."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def reading(self) -> AbstractContextManager[Connection]:
        return nullcontext(self.connection)

    def writing(self) -> AbstractContextManager[Connection]:
        return nullcontext(self.connection)


class Repository:
    """Base of the table repositories: a connection source and an injectable clock."""

    def __init__(self, source: ConnectionSource, clock: Clock) -> None:
        self._source = source
        self._clock = clock

    def _now(self, now: datetime | None) -> datetime:
        """The caller's ``now`` if given, else the clock's; always aware UTC."""
        return ensure_utc(now if now is not None else self._clock())


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Split ``items`` in lists of at most ``size`` (bounded statements and parameter counts)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
