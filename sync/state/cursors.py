"""Keyset cursors, one per (crm, stream), and the rules that keep them safe.

The cursor rule:

* a cursor is the (modstamp, id) of the last record stored for its stream;
* it is committed only in the transaction that stores the records it covers
  (:meth:`sync.state.store.StateStore.save_page`), so a crash can lose work but never skip it;
* it never moves backwards: re-reading the lookback window commits older positions, which
  are ignored, so a stream never re-reads more than one lookback after a crash;
* it never passes the time the run started (pass ``ceiling``): records modified during the
  run may still be invisible to the query, and the next run must see them;
* the next read starts at :meth:`Cursor.next_read`: one lookback before the latest read's
  `until` (``read_until``), inclusive, while the cursor lies in that window, where a record
  committed in the CRM late, with a modstamp earlier than ones already read, may still
  appear. Late records can only hide there: a read bounded by `until` at time t misses at
  most what had a modstamp after t - lag, and t is after `until`. Older than the window,
  strictly after (modstamp, id), except on a CRM that stamps to the second (Salesforce):
  there a record changed in the cursor's own second after it was read may carry an id that
  sorts before the cursor's, so the next read takes in that whole second again, and only a
  cursor such a later read left where it was is `settled`, read strictly after from then
  on (no CRM clock is trusted to be ours: the sandbox's stands still within a run). So after
  the read-back of a Bulk job (thousands of records in one second) one run reads that
  second again, and a run with nothing changed then reads one page per stream. Re-read
  records are no news (:mod:`sync.pipeline.news`): they cost a row of a page, not an
  evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, case, delete, false, or_, select, update

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
    read_until: datetime | None = None
    settled: bool = False

    @property
    def position(self) -> tuple[datetime, str]:
        """The (modstamp, id) pair pages are ordered by."""
        return (self.modstamp, self.last_id)

    def lower_bound(self, lookback: timedelta) -> datetime:
        """The earliest modstamp the next read may return (see `next_read`)."""
        start, _ = self.next_read(lookback)
        return start

    def next_read(self, lookback: timedelta, *, ties: bool = True) -> tuple[datetime, str]:
        """Where the next read starts: (stamp, "") to read at and after `stamp`, or
        (modstamp, id) to read strictly after. The late-record window when the cursor lies in
        it; else strictly after the cursor, unless, with `ties` (a CRM stamping to the
        second), the cursor is not `settled` yet: then its whole second again, once."""
        if self.read_until is None:  # a cursor from before read_until was kept
            return (self.modstamp - lookback, "")
        until = ensure_utc(self.read_until)
        window = until - lookback
        stamp = ensure_utc(self.modstamp)
        if stamp >= window:
            return (window, "")
        if ties and not self.settled:
            return (stamp, "")
        return (stamp, self.last_id)


def _from_row(row: Row[Any]) -> Cursor:
    return Cursor(
        crm=row.crm,
        stream=row.stream,
        modstamp=row.last_modstamp,
        last_id=row.last_id,
        updated_at=row.updated_at,
        read_until=row.read_until,
        settled=row.settled,
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
                read_until=ceiling,
            )
            new = insert.excluded
            same = and_(
                CursorRow.last_modstamp == new.last_modstamp, CursorRow.last_id == new.last_id
            )
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
                        "read_until": new.read_until,
                        # a cursor that moved has a second no later read has checked yet
                        "settled": case((same, CursorRow.settled), else_=false()),
                    },
                    where=forward,
                )
            )
            query = select(CURSORS).where(
                CursorRow.crm == cursor.crm, CursorRow.stream == cursor.stream
            )
            return _from_row(conn.execute(query).one())

    def mark_read(self, crm: str, stream: str, until: datetime, *, settled: bool = False) -> None:
        """A read of `stream` up to `until` is complete (even one that found nothing): late
        records can only hide in the lookback before `until` from now on. `settled`: the read
        took in the cursor's whole second and ended where it began."""
        where = (CursorRow.crm == crm, CursorRow.stream == stream)
        later = or_(CursorRow.read_until.is_(None), CursorRow.read_until < until)
        with self._source.writing() as conn:
            conn.execute(update(CursorRow).where(*where, later).values(read_until=until))
            if settled:
                conn.execute(update(CursorRow).where(*where).values(settled=True))

    def reset(self, crm: str, stream: str | None = None) -> int:
        """Forget cursors (all of a CRM's, or one stream's) so the next run reads in full."""
        stmt = delete(CursorRow).where(CursorRow.crm == crm)
        if stream is not None:
            stmt = stmt.where(CursorRow.stream == stream)
        with self._source.writing() as conn:
            return conn.execute(stmt).rowcount
