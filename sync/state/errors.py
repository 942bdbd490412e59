"""Per-record errors: a record that failed is kept with its error, shown to admins, retried.

One row per (crm, object_type, record_key, stage). Failing again bumps ``attempts`` and
``last_seen_at``; a later success resolves the row; failing after a resolution opens a new
episode (attempts back to 1, ``first_seen_at`` reset). One bad record never stops the others:
the pipeline records it here and moves on, and asks for :meth:`retry_candidates` next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, func, select, update

from sync.state.engine import insert_for
from sync.state.models import RecordErrorRow, Stage
from sync.state.repository import Repository, chunked
from sync.state.types import to_jsonable

ERRORS = RecordErrorRow.__table__
CHUNK = 500

NOTE_CODES = frozenset({"HUMAN_EDIT_KEPT", "RENEWAL_DELETED"})
"""Codes that are notes, not work: the service kept a person's edit or honoured a deleted
renewal, as it should. `errors` shows them only with `--notes`, and the open-errors metric
and alerts leave them out."""


@dataclass(frozen=True, slots=True)
class RecordFailure:
    """What went wrong with one record, as reported by a pipeline stage."""

    crm: str
    object_type: str
    record_key: str
    stage: Stage
    code: str
    message: str
    payload: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class RecordError:
    """A stored per-record error with its history."""

    id: int
    crm: str
    object_type: str
    record_key: str
    stage: Stage
    code: str
    message: str
    payload: dict[str, Any] | None
    first_seen_at: datetime
    last_seen_at: datetime
    attempts: int
    resolved_at: datetime | None
    last_run_id: str | None


def _from_row(row: Row[Any]) -> RecordError:
    values = dict(row._mapping)
    values["stage"] = Stage(values["stage"])
    return RecordError(**values)


class ErrorRepository(Repository):
    """Record, list, resolve and pick for retry the per-record errors."""

    def record(
        self,
        failures: Iterable[RecordFailure],
        *,
        now: datetime | None = None,
        run_id: str | None = None,
    ) -> int:
        """Store failures: new rows, repeated failures, or reopened resolved ones."""
        seen_at = self._now(now)
        sent = 0
        with self._source.writing() as conn:
            insert = insert_for(conn)(RecordErrorRow)
            new = insert.excluded
            was_resolved = RecordErrorRow.resolved_at.is_not(None)
            stmt = insert.on_conflict_do_update(
                index_elements=[
                    RecordErrorRow.crm,
                    RecordErrorRow.object_type,
                    RecordErrorRow.record_key,
                    RecordErrorRow.stage,
                ],
                set_={
                    "code": new.code,
                    "message": new.message,
                    "payload": new.payload,
                    "last_seen_at": new.last_seen_at,
                    "last_run_id": new.last_run_id,
                    "resolved_at": None,
                    "attempts": case((was_resolved, 1), else_=RecordErrorRow.attempts + 1),
                    "first_seen_at": case(
                        (was_resolved, new.first_seen_at), else_=RecordErrorRow.first_seen_at
                    ),
                },
            )
            for chunk in chunked(failures, CHUNK):
                conn.execute(stmt, [_params(f, seen_at, run_id) for f in chunk])
                sent += len(chunk)
        return sent

    def open(
        self,
        crm: str | None = None,
        *,
        stage: Stage | None = None,
        object_type: str | None = None,
        limit: int | None = None,
        notes: bool = True,
        code: str | None = None,
    ) -> list[RecordError]:
        """Unresolved errors, most recent first (what ``renewal-sync errors`` shows);
        ``notes=False`` leaves out what needs no action (:data:`NOTE_CODES`)."""
        query = select(ERRORS).where(RecordErrorRow.resolved_at.is_(None))
        query = _filter(query, crm, stage, object_type)
        if not notes:
            query = query.where(RecordErrorRow.code.not_in(NOTE_CODES))
        if code is not None:
            query = query.where(func.upper(RecordErrorRow.code) == code.upper())
        query = query.order_by(RecordErrorRow.last_seen_at.desc(), RecordErrorRow.id).limit(limit)
        with self._source.reading() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def count_open(self, crm: str | None = None, *, notes: bool = False) -> int:
        """How many unresolved errors need action (for metrics, alerts and run summaries);
        ``notes=True`` counts the notes too."""
        query = select(func.count()).where(RecordErrorRow.resolved_at.is_(None))
        query = _filter(query, crm, None, None)
        if not notes:
            query = query.where(RecordErrorRow.code.not_in(NOTE_CODES))
        with self._source.reading() as conn:
            return int(conn.scalar(query) or 0)

    def by_id(self, error_id: int) -> RecordError | None:
        """One stored error by the id `renewal-sync errors` shows."""
        with self._source.reading() as conn:
            row = conn.execute(select(ERRORS).where(RecordErrorRow.id == error_id)).first()
        return None if row is None else _from_row(row)

    def resolve_id(self, error_id: int, *, now: datetime | None = None) -> bool:
        """An admin marks one error resolved; it reopens if the record fails again."""
        stmt = update(RecordErrorRow).where(
            RecordErrorRow.id == error_id, RecordErrorRow.resolved_at.is_(None)
        )
        with self._source.writing() as conn:
            return bool(conn.execute(stmt.values(resolved_at=self._now(now))).rowcount)

    def retry_id(self, error_id: int) -> bool:
        """An admin asks for one error to be retried: open again with its attempts reset,
        so the next run picks it up even past the retry limit."""
        stmt = update(RecordErrorRow).where(RecordErrorRow.id == error_id)
        with self._source.writing() as conn:
            return bool(conn.execute(stmt.values(resolved_at=None, attempts=0)).rowcount)

    def resolve(
        self,
        crm: str,
        object_type: str,
        record_keys: Iterable[str],
        *,
        stage: Stage | None = None,
        now: datetime | None = None,
    ) -> int:
        """Mark errors of records that have now gone through as resolved; returns how many."""
        resolved_at = self._now(now)
        resolved = 0
        with self._source.writing() as conn:
            for chunk in chunked(record_keys, CHUNK):
                stmt = update(RecordErrorRow).where(
                    RecordErrorRow.crm == crm,
                    RecordErrorRow.object_type == object_type,
                    RecordErrorRow.record_key.in_(chunk),
                    RecordErrorRow.resolved_at.is_(None),
                )
                if stage is not None:
                    stmt = stmt.where(RecordErrorRow.stage == Stage(stage).value)
                resolved += conn.execute(stmt.values(resolved_at=resolved_at)).rowcount
        return resolved

    def retry_candidates(
        self,
        crm: str,
        stage: Stage,
        *,
        object_type: str | None = None,
        max_attempts: int | None = None,
        limit: int | None = None,
    ) -> list[RecordError]:
        """Open errors to retry this run, oldest first; ``max_attempts`` skips hopeless ones."""
        query = select(ERRORS).where(RecordErrorRow.resolved_at.is_(None))
        query = _filter(query, crm, stage, object_type)
        if max_attempts is not None:
            query = query.where(RecordErrorRow.attempts < max_attempts)
        query = query.order_by(RecordErrorRow.last_seen_at, RecordErrorRow.id).limit(limit)
        with self._source.reading() as conn:
            return [_from_row(row) for row in conn.execute(query)]


def _filter(query: Any, crm: str | None, stage: Stage | None, object_type: str | None) -> Any:
    if crm is not None:
        query = query.where(RecordErrorRow.crm == crm)
    if stage is not None:
        query = query.where(RecordErrorRow.stage == Stage(stage).value)
    if object_type is not None:
        query = query.where(RecordErrorRow.object_type == object_type)
    return query


def _params(failure: RecordFailure, seen_at: datetime, run_id: str | None) -> dict[str, Any]:
    return {
        "crm": failure.crm,
        "object_type": failure.object_type,
        "record_key": failure.record_key,
        "stage": Stage(failure.stage).value,
        "code": failure.code,
        "message": failure.message,
        "payload": None if failure.payload is None else to_jsonable(failure.payload),
        "first_seen_at": seen_at,
        "last_seen_at": seen_at,
        "attempts": 1,
        "last_run_id": run_id,
    }
