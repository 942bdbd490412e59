"""What the service last wrote to the CRM, per (crm, object_type, external_key).

Two uses. Before a push, :meth:`WrittenRepository.changed` drops every payload whose hash
equals what was last written, so a rerun with nothing new makes no write call. Before
updating a record, :meth:`WrittenRepository.human_edits` compares the CRM's current values
with what we last wrote: a field that differs was changed by a person, and a human edit is
never overwritten. Payloads are stored in canonical JSON form (Decimal as number, dates as
ISO text), the form the CRM adapters send.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, select, update

from sync.state.engine import insert_for
from sync.state.models import WrittenRow
from sync.state.repository import Repository, chunked
from sync.state.types import payload_hash, to_jsonable

WRITTEN = WrittenRow.__table__
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Write:
    """A payload the CRM accepted for ``external_key`` (``record_id`` once known)."""

    external_key: str
    payload: Mapping[str, Any]
    record_id: str | None = None


@dataclass(frozen=True, slots=True)
class WrittenValue:
    """The stored record of the last accepted write for one key."""

    crm: str
    object_type: str
    external_key: str
    record_id: str | None
    payload: dict[str, Any]
    payload_hash: str
    written_at: datetime
    run_id: str | None


@dataclass(frozen=True, slots=True)
class FieldEdit:
    """A field whose CRM value is no longer the one we wrote."""

    ours: Any
    theirs: Any


def _from_row(row: Row[Any]) -> WrittenValue:
    return WrittenValue(
        crm=row.crm,
        object_type=row.object_type,
        external_key=row.external_key,
        record_id=row.record_id,
        payload=row.payload,
        payload_hash=row.payload_hash,
        written_at=row.written_at,
        run_id=row.run_id,
    )


class WrittenRepository(Repository):
    """Remember accepted writes; answer "is this new?" and "did a person change it?"."""

    def get(self, crm: str, object_type: str, keys: Iterable[str]) -> dict[str, WrittenValue]:
        """Last writes for ``keys`` (keys never written are absent)."""
        found = self._where_in(crm, object_type, WrittenRow.external_key, keys)
        return {value.external_key: value for value in found}

    def by_record_ids(
        self, crm: str, object_type: str, record_ids: Iterable[str]
    ) -> dict[str, WrittenValue]:
        """Last writes by the CRM id they landed on (a deleted record the CRM answers bare)."""
        found = self._where_in(crm, object_type, WrittenRow.record_id, record_ids)
        return {str(value.record_id): value for value in found}

    def _where_in(
        self, crm: str, object_type: str, column: Any, values: Iterable[str]
    ) -> list[WrittenValue]:
        found: list[WrittenValue] = []
        with self._source.reading() as conn:
            for chunk in chunked(dict.fromkeys(values), CHUNK):
                query = select(WRITTEN).where(
                    WrittenRow.crm == crm,
                    WrittenRow.object_type == object_type,
                    column.in_(chunk),
                )
                found += [_from_row(row) for row in conn.execute(query)]
        return found

    def of_type(self, crm: str, object_type: str) -> Iterator[WrittenValue]:
        """Every last write of one type, streamed (the status page's renewals due)."""
        query = select(WRITTEN).where(WrittenRow.crm == crm, WrittenRow.object_type == object_type)
        with self._source.reading() as conn:
            for row in conn.execute(query.order_by(WrittenRow.external_key)):
                yield _from_row(row)

    def keys_like(self, crm: str, object_type: str, pattern: str) -> list[str]:
        """The keys of one type matching a SQL LIKE `pattern` (keys of an older scheme)."""
        query = select(WrittenRow.external_key).where(
            WrittenRow.crm == crm,
            WrittenRow.object_type == object_type,
            WrittenRow.external_key.like(pattern),
        )
        with self._source.reading() as conn:
            return list(conn.scalars(query))

    def changed(
        self, crm: str, object_type: str, payloads: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, Mapping[str, Any]]:
        """The subset of ``payloads`` that differs from (or was never) what we last wrote."""
        hashes = self._hashes(crm, object_type, payloads)
        return {
            key: payload
            for key, payload in payloads.items()
            if hashes.get(key) != payload_hash(payload)
        }

    def record(
        self,
        crm: str,
        object_type: str,
        writes: Iterable[Write],
        *,
        now: datetime | None = None,
        run_id: str | None = None,
    ) -> int:
        """Store accepted writes; a write without ``record_id`` keeps the known one."""
        written_at = self._now(now)
        sent = 0
        with self._source.writing() as conn:
            insert = insert_for(conn)(WrittenRow)
            new = insert.excluded
            stmt = insert.on_conflict_do_update(
                index_elements=[WrittenRow.crm, WrittenRow.object_type, WrittenRow.external_key],
                set_={
                    "record_id": func.coalesce(new.record_id, WrittenRow.record_id),
                    "payload_hash": new.payload_hash,
                    "payload": new.payload,
                    "written_at": new.written_at,
                    "run_id": new.run_id,
                },
            )
            for chunk in chunked(writes, CHUNK):
                params = [_params(crm, object_type, w, written_at, run_id) for w in chunk]
                conn.execute(stmt, params)
                sent += len(chunk)
        return sent

    def human_edits(
        self, crm: str, object_type: str, crm_values: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, dict[str, FieldEdit]]:
        """Per key, the fields we wrote whose current CRM value differs from ours.

        Only fields present in both our payload and ``crm_values`` are compared (a field the
        adapter did not read is not an edit). Values are compared in canonical JSON form,
        so 22500 equals 22500.0 and a date equals its ISO text.
        """
        last = self.get(crm, object_type, crm_values)
        edits: dict[str, dict[str, FieldEdit]] = {}
        for key, written in last.items():
            theirs = to_jsonable(crm_values[key])
            diff = {
                name: FieldEdit(ours=ours, theirs=theirs[name])
                for name, ours in written.payload.items()
                if name in theirs and theirs[name] != ours
            }
            if diff:
                edits[key] = diff
        return edits

    def forget(self, crm: str, object_type: str, keys: Iterable[str]) -> int:
        """Drop write records (e.g. the CRM record was deleted), so the next write happens."""
        removed = 0
        with self._source.writing() as conn:
            for chunk in chunked(keys, CHUNK):
                stmt = delete(WrittenRow).where(
                    WrittenRow.crm == crm,
                    WrittenRow.object_type == object_type,
                    WrittenRow.external_key.in_(chunk),
                )
                removed += conn.execute(stmt).rowcount
        return removed

    def forget_prefixed(self, crm: str, object_type: str, prefixes: Iterable[str]) -> int:
        """Drop the write records whose key starts with one of `prefixes` (a renewal's lines
        or tasks, including those no longer in the CRM)."""
        removed = 0
        with self._source.writing() as conn:
            for prefix in prefixes:
                escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                stmt = delete(WrittenRow).where(
                    WrittenRow.crm == crm,
                    WrittenRow.object_type == object_type,
                    WrittenRow.external_key.like(f"{escaped}%", escape="\\"),
                )
                removed += conn.execute(stmt).rowcount
        return removed

    def rename(self, crm: str, object_type: str, renames: Mapping[str, str]) -> int:
        """Move write records to new keys (a key scheme migrated); a key already moved, or
        whose new key has a record of its own, is left as it is. One transaction."""
        moved = 0
        with self._source.writing() as conn:
            for old, new in renames.items():
                taken = conn.execute(
                    select(WrittenRow.external_key).where(
                        WrittenRow.crm == crm,
                        WrittenRow.object_type == object_type,
                        WrittenRow.external_key == new,
                    )
                ).first()
                if taken is not None:
                    continue
                stmt = (
                    update(WrittenRow)
                    .where(
                        WrittenRow.crm == crm,
                        WrittenRow.object_type == object_type,
                        WrittenRow.external_key == old,
                    )
                    .values(external_key=new)
                )
                moved += conn.execute(stmt).rowcount
        return moved

    def _hashes(self, crm: str, object_type: str, keys: Iterable[str]) -> dict[str, str]:
        """Stored hashes only: cheaper than loading payloads for the no-change check."""
        hashes: dict[str, str] = {}
        with self._source.reading() as conn:
            for chunk in chunked(keys, CHUNK):
                query = select(WrittenRow.external_key, WrittenRow.payload_hash).where(
                    WrittenRow.crm == crm,
                    WrittenRow.object_type == object_type,
                    WrittenRow.external_key.in_(chunk),
                )
                hashes.update((row.external_key, row.payload_hash) for row in conn.execute(query))
        return hashes


def _params(
    crm: str, object_type: str, write: Write, written_at: datetime, run_id: str | None
) -> dict[str, Any]:
    return {
        "crm": crm,
        "object_type": object_type,
        "external_key": write.external_key,
        "record_id": write.record_id,
        "payload_hash": payload_hash(write.payload),
        "payload": to_jsonable(write.payload),
        "written_at": written_at,
        "run_id": run_id,
    }
