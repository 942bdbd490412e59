"""The mirror: the local copy of every record pulled from a CRM.

Rows are keyed by (crm, object_type, record_id) and written with a bulk upsert, one
executemany per chunk. An upsert never moves a row back in time: a row is only replaced by a
version whose ``system_modstamp`` is the same or newer, so a late page from an overlapping
(lookback) read cannot undo a fresher one. Deleted records stay, flagged ``is_deleted``, so
the rules can see that a contract disappeared.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import Connection, Row, and_, bindparam, false, func, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from sync.state.engine import insert_for
from sync.state.models import MirrorRow
from sync.state.repository import Repository, chunked
from sync.state.types import ensure_utc, to_jsonable

UPSERT_CHUNK = 1000
ID_CHUNK = 500
MIRROR = MirrorRow.__table__

# Statements built once: the decide step asks for single records thousands of times a run,
# and building the expression each time cost more than the query itself.
_OF_TYPE = and_(MirrorRow.crm == bindparam("crm"), MirrorRow.object_type == bindparam("type"))
_GET_ONE = select(MIRROR).where(_OF_TYPE, MirrorRow.record_id == bindparam("id"))
_GET_MANY = select(MIRROR).where(
    _OF_TYPE, MirrorRow.record_id.in_(bindparam("ids", expanding=True))
)
_KEYSET = (MirrorRow.system_modstamp, MirrorRow.record_id)
_DATA = (
    select(MirrorRow.record_id, MirrorRow.data)
    .where(_OF_TYPE, MirrorRow.is_deleted.is_(false()))
    .order_by(*_KEYSET)
)

Scope = Literal["record_id", "parent_id", "link_id"]
_SCOPED: dict[str, Any] = {
    name: select(
        MirrorRow.record_id,
        MirrorRow.data,
        MirrorRow.parent_id,
        MirrorRow.link_id,
        MirrorRow.system_modstamp,
    )
    .where(
        _OF_TYPE,
        MirrorRow.is_deleted.is_(false()),
        getattr(MirrorRow, name).in_(bindparam("ids", expanding=True)),
    )
    .order_by(MirrorRow.record_id)
    for name in ("record_id", "parent_id", "link_id")
}
_PLACE = (
    update(MirrorRow)
    .where(
        MirrorRow.crm == bindparam("p_crm"),
        MirrorRow.object_type == bindparam("p_type"),
        MirrorRow.record_id == bindparam("p_id"),
    )
    .values(parent_id=bindparam("p_parent"), link_id=bindparam("p_link"))
)


class ScopedRow(NamedTuple):
    """One live record as a batch load reads it."""

    record_id: str
    data: dict[str, Any]
    parent_id: str | None
    link_id: str | None
    system_modstamp: datetime


@dataclass(frozen=True, slots=True)
class MirrorRecord:
    """One CRM record as pulled; ``pulled_at`` is set on records read back from the store."""

    crm: str
    object_type: str
    record_id: str
    system_modstamp: datetime
    data: Mapping[str, Any] = field(default_factory=dict)
    is_deleted: bool = False
    pulled_at: datetime | None = None
    parent_id: str | None = None
    """The record it is evaluated with (`MirrorRow.parent_id`); None: not worked out."""
    link_id: str | None = None

    @property
    def position(self) -> tuple[datetime, str]:
        """Keyset position of the record: (modstamp, id), the order pages are read in."""
        return (self.system_modstamp, self.record_id)


def _from_row(row: Row[Any]) -> MirrorRecord:
    return MirrorRecord(
        crm=row.crm,
        object_type=row.object_type,
        record_id=row.record_id,
        system_modstamp=row.system_modstamp,
        data=row.data,
        is_deleted=row.is_deleted,
        pulled_at=row.pulled_at,
        parent_id=row.parent_id,
        link_id=row.link_id,
    )


class MirrorRepository(Repository):
    """Bulk upsert and the queries the decide step needs."""

    def upsert(self, records: Iterable[MirrorRecord], *, now: datetime | None = None) -> int:
        """Insert or refresh ``records``; returns how many were sent."""
        pulled_at = self._now(now)
        sent = 0
        with self._source.writing() as conn:
            upsert = _upsert_for(conn)
            stamp = upsert.pulled_at(pulled_at)
            for chunk in chunked(records, UPSERT_CHUNK):
                conn.exec_driver_sql(upsert.sql, [upsert.row(r, stamp) for r in chunk])
                sent += len(chunk)
        return sent

    def get(self, crm: str, object_type: str, record_ids: Iterable[str]) -> dict[str, MirrorRecord]:
        """The stored records among ``record_ids`` (missing ids are simply absent)."""
        found: dict[str, MirrorRecord] = {}
        with self._source.reading() as conn:
            for chunk in chunked(dict.fromkeys(record_ids), ID_CHUNK):
                of_type = {"crm": crm, "type": object_type}
                if len(chunk) == 1:
                    rows = conn.execute(_GET_ONE, {**of_type, "id": chunk[0]})
                else:
                    rows = conn.execute(_GET_MANY, {**of_type, "ids": chunk})
                for row in rows:
                    found[row.record_id] = _from_row(row)
        return found

    def data_by_id(self, crm: str, object_type: str) -> dict[str, dict[str, Any]]:
        """Every live record's data by id, in keyset order: what `list_type` gives, without
        the per-row datetimes and wrapper objects that rebuilding the world does not read."""
        with self._source.reading() as conn:
            rows = conn.execute(_DATA, {"crm": crm, "type": object_type})
            return dict(rows.all())

    def list_type(
        self, crm: str, object_type: str, *, include_deleted: bool = False
    ) -> list[MirrorRecord]:
        """Every stored record of one object type, in keyset order."""
        query = select(MIRROR).where(MirrorRow.crm == crm, MirrorRow.object_type == object_type)
        if not include_deleted:
            query = query.where(MirrorRow.is_deleted.is_(False))
        query = query.order_by(MirrorRow.system_modstamp, MirrorRow.record_id)
        with self._source.reading() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def changed_since(
        self,
        crm: str,
        object_type: str,
        since: datetime,
        *,
        after_id: str | None = None,
        limit: int | None = None,
    ) -> list[MirrorRecord]:
        """Records (deletions included) with ``system_modstamp >= since``, in keyset order.

        The lower bound is inclusive. Pass the last returned (modstamp, id) as
        (``since``, ``after_id``) to read the next page; ties on the modstamp are then
        ordered by id, so paging never skips nor repeats a record.
        """
        since = ensure_utc(since)
        ts, rid = MirrorRow.system_modstamp, MirrorRow.record_id
        bound = (
            ts >= since if after_id is None else or_(ts > since, and_(ts == since, rid > after_id))
        )
        query = (
            select(MIRROR)
            .where(MirrorRow.crm == crm, MirrorRow.object_type == object_type, bound)
            .order_by(ts, rid)
            .limit(limit)
        )
        with self._source.reading() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def scoped(
        self, crm: str, object_type: str, column: Scope, values: Iterable[str]
    ) -> list[ScopedRow]:
        """Live records whose `column` (record_id, parent_id or link_id) is among `values`,
        in chunks of bounded size: how a run loads one batch of accounts and what hangs off
        them (sync.pipeline.partition)."""
        query = _SCOPED[column]
        found: list[ScopedRow] = []
        with self._source.reading() as conn:
            for chunk in chunked(sorted(set(values)), ID_CHUNK):
                rows = conn.execute(query, {"crm": crm, "type": object_type, "ids": chunk})
                found += [ScopedRow(*row) for row in rows]
        return found

    def parent_sizes(self, crm: str, object_type: str) -> dict[str, int]:
        """How many live records of one type each parent has (an account's orders), by
        parent id in id order: what a run cuts into batches of bounded size."""
        query = (
            select(MirrorRow.parent_id, func.count())
            .where(_OF_TYPE, MirrorRow.is_deleted.is_(false()))
            .group_by(MirrorRow.parent_id)
            .order_by(MirrorRow.parent_id)
        )
        with self._source.reading() as conn:
            rows = conn.execute(query, {"crm": crm, "type": object_type})
            return {str(parent or ""): int(n) for parent, n in rows}

    def live_ids(self, crm: str, object_type: str) -> list[str]:
        """The ids of every live record of one type, in id order."""
        query = (
            select(MirrorRow.record_id)
            .where(_OF_TYPE, MirrorRow.is_deleted.is_(false()))
            .order_by(MirrorRow.record_id)
        )
        with self._source.reading() as conn:
            return list(conn.scalars(query, {"crm": crm, "type": object_type}))

    def unplaced(self, crm: str, object_type: str, *, limit: int) -> list[MirrorRecord]:
        """Up to `limit` records (deleted ones included) whose parent is not worked out yet:
        rows stored before the mirror had the column, or by a caller that did not know it."""
        query = (
            select(MIRROR)
            .where(_OF_TYPE, MirrorRow.parent_id.is_(None))
            .order_by(MirrorRow.record_id)
            .limit(limit)
        )
        with self._source.reading() as conn:
            return [_from_row(r) for r in conn.execute(query, {"crm": crm, "type": object_type})]

    def unplace(self, crm: str, object_type: str) -> None:
        """Forget the parents of one type (the mapping that worked them out changed)."""
        with self._source.writing() as conn:
            conn.execute(
                update(MirrorRow)
                .where(MirrorRow.crm == crm, MirrorRow.object_type == object_type)
                .values(parent_id=None, link_id=None)
            )

    def place(
        self, crm: str, object_type: str, placed: Iterable[tuple[str, str, str | None]]
    ) -> int:
        """Set (record id, parent id, link id) on stored rows; returns how many were sent."""
        sent = 0
        with self._source.writing() as conn:
            for chunk in chunked(placed, UPSERT_CHUNK):
                params = [
                    {
                        "p_crm": crm,
                        "p_type": object_type,
                        "p_id": rid,
                        "p_parent": parent,
                        "p_link": link,
                    }
                    for rid, parent, link in chunk
                ]
                conn.execute(_PLACE, params)
                sent += len(chunk)
        return sent

    def count(self, crm: str, object_type: str, *, include_deleted: bool = False) -> int:
        """How many records of one type are mirrored."""
        query = select(func.count()).where(
            MirrorRow.crm == crm, MirrorRow.object_type == object_type
        )
        if not include_deleted:
            query = query.where(MirrorRow.is_deleted.is_(False))
        with self._source.reading() as conn:
            return int(conn.scalar(query) or 0)


_COLUMNS = (
    "crm", "object_type", "record_id", "system_modstamp", "is_deleted", "data", "pulled_at",
    "parent_id", "link_id",
)  # fmt: skip
Encode = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Upsert:
    """The mirror upsert compiled once per dialect, for the driver's own executemany.

    Each value is bound through its column type's own bind processor, i.e. exactly what
    SQLAlchemy would send, but without SQLAlchemy's generic per-row parameter handling (half
    the cost of a pull's page): `pulled_at` is encoded once per call, and a chunk is one
    driver call. ``names`` gives the parameter order (positional) or keys (named styles).
    """

    sql: str
    names: tuple[str, ...]
    positional: bool
    encoders: dict[str, Encode]

    def pulled_at(self, moment: datetime) -> Any:
        return self.encoders["pulled_at"](moment)

    def row(self, record: MirrorRecord, pulled_at: Any) -> tuple[Any, ...] | dict[str, Any]:
        enc = self.encoders
        values = (
            record.crm,
            record.object_type,
            record.record_id,
            enc["system_modstamp"](record.system_modstamp),
            enc["is_deleted"](record.is_deleted),
            enc["data"](to_jsonable(record.data)),
            pulled_at,
            record.parent_id,
            record.link_id,
        )  # in _COLUMNS order
        if not self.positional:
            return dict(zip(_COLUMNS, values, strict=True))
        return values if self.names == _COLUMNS else tuple(values[i] for i in self.order)

    @property
    def order(self) -> tuple[int, ...]:
        return tuple(_COLUMNS.index(name) for name in self.names)


_UPSERTS: weakref.WeakKeyDictionary[Dialect, _Upsert] = weakref.WeakKeyDictionary()


def _upsert_for(conn: Connection) -> _Upsert:
    """The compiled upsert of this connection's dialect (built on first use)."""
    found = _UPSERTS.get(conn.dialect)
    if found is None:
        found = _UPSERTS[conn.dialect] = _compile_upsert(conn)
    return found


def _compile_upsert(conn: Connection) -> _Upsert:
    """Insert or refresh; never replace a row with an older ``system_modstamp``."""
    insert = insert_for(conn)(MirrorRow)
    stmt = insert.on_conflict_do_update(
        index_elements=[MirrorRow.crm, MirrorRow.object_type, MirrorRow.record_id],
        set_={
            "system_modstamp": insert.excluded.system_modstamp,
            "is_deleted": insert.excluded.is_deleted,
            "data": insert.excluded.data,
            "pulled_at": insert.excluded.pulled_at,
            "parent_id": insert.excluded.parent_id,
            "link_id": insert.excluded.link_id,
        },
        where=MirrorRow.system_modstamp <= insert.excluded.system_modstamp,
    )
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect, column_keys=list(_COLUMNS))
    positional = bool(dialect.positional)
    names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.params)
    if sorted(names) != sorted(_COLUMNS):  # a parameter we would not fill: refuse loudly
        raise RuntimeError(f"mirror upsert binds {names}, expected {_COLUMNS}")
    encoders = {name: _encoder(MIRROR.c[name].type, dialect) for name in _COLUMNS}
    return _Upsert(str(compiled), names, positional, encoders)


def _encoder(column_type: TypeEngine[Any], dialect: Dialect) -> Encode:
    """The column type's bind processor on this dialect (identity when it has none)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _same


def _same(value: Any) -> Any:
    return value
