"""Keyset cursors, one per (crm, stream), and the rules that keep them safe.

The cursor rule:

* a cursor is the (modstamp, id) of the last record stored for its stream;
* it is committed only in the transaction that stores the records it covers
  (:meth:`sync.state.store.StateStore.save_page`), so a crash can lose work but never skip it;
* it never moves backwards: re-reading the lookback window commits older positions, which
  are ignored, so a stream never re-reads more than one lookback after a crash;
* it never passes the time the run started (pass ``ceiling``): records modified during the
  run may still be invisible to the query, and the next run must see them;
* the next read starts at :meth:`Cursor.lower_bound` - inclusive, minus a lookback that
  covers records committed in the CRM with a modstamp earlier than ones already read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, delete, or_, select

from sync.state.engine import insert_for
from sync.state.models import CursorRow
from sync.state.repository import Repository
from sync.state.types import ensure_utc

CURSORS = CursorRow.__table__


class CursorPastCeilingError(ValueError):
    """A cursor tried to move past the start of the run that produced it."""


@dataclass(frozen=True, slots=True)
class Cursor:
    """Position of a stream: everything at or before (modstamp, last_id) is stored."""

    crm: str
    stream: str
    modstamp: datetime
    last_id: str
    updated_at: datetime | None = None

    @property
    def position(self) -> tuple[datetime, str]:
        """The (modstamp, id) pair pages are ordered by."""
        return (self.modstamp, self.last_id)

    def lower_bound(self, lookback: timedelta) -> datetime:
        """Inclusive start of the next read: the cursor's modstamp minus ``lookback``."""
        return self.modstamp - lookback


def _from_row(row: Row[Any]) -> Cursor:
    return Cursor(
        crm=row.crm,
        stream=row.stream,
        modstamp=row.last_modstamp,
        last_id=row.last_id,
        updated_at=row.updated_at,
    )


class CursorRepository(Repository):
    """Read, advance and reset stream cursors."""

    def get(self, crm: str, stream: str) -> Cursor | None:
        """The stream's cursor, or ``None`` before its first committed page."""
        query = select(CURSORS).where(CursorRow.crm == crm, CursorRow.stream == stream)
        with self._source.reading() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _from_row(row)

    def all(self, crm: str | None = None) -> list[Cursor]:
        """Every cursor (of one CRM), for status pages."""
        query = select(CURSORS).order_by(CursorRow.crm, CursorRow.stream)
        if crm is not None:
            query = query.where(CursorRow.crm == crm)
        with self._source.reading() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def save(
        self, cursor: Cursor, *, now: datetime | None = None, ceiling: datetime | None = None
    ) -> Cursor:
        """Advance the stream to ``cursor`` (never backwards); returns the stored cursor."""
        if ceiling is not None and ensure_utc(cursor.modstamp) > ensure_utc(ceiling):
            msg = f"cursor {cursor.position} is past the run start {ceiling.isoformat()}"
            raise CursorPastCeilingError(msg)
        updated_at = self._now(now)
        with self._source.writing() as conn:
            insert = insert_for(conn)(CursorRow).values(
                crm=cursor.crm,
                stream=cursor.stream,
                last_modstamp=cursor.modstamp,
                last_id=cursor.last_id,
                updated_at=updated_at,
            )
            new = insert.excluded
            forward = or_(
                CursorRow.last_modstamp < new.last_modstamp,
                and_(
                    CursorRow.last_modstamp == new.last_modstamp,
                    CursorRow.last_id <= new.last_id,
                ),
            )
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[CursorRow.crm, CursorRow.stream],
                    set_={
                        "last_modstamp": new.last_modstamp,
                        "last_id": new.last_id,
                        "updated_at": new.updated_at,
                    },
                    where=forward,
                )
            )
            query = select(CURSORS).where(
                CursorRow.crm == cursor.crm, CursorRow.stream == cursor.stream
            )
            return _from_row(conn.execute(query).one())

    def reset(self, crm: str, stream: str | None = None) -> int:
        """Forget cursors (all of a CRM's, or one stream's) so the next run reads in full."""
        stmt = delete(CursorRow).where(CursorRow.crm == crm)
        if stream is not None:
            stmt = stmt.where(CursorRow.stream == stream)
        with self._source.writing() as conn:
            return conn.execute(stmt).rowcount
