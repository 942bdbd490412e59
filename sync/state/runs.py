"""Run history: one row per sync run, for ``renewal-sync runs`` and for resuming work.

A run is ``running`` until it finishes as succeeded, deferred (API allowance spent: resume next
time), or failed. A process killed mid-run leaves its row ``running``; the next run, holding
the run lock, marks such rows ``interrupted`` when it starts - with the lock held nobody else
can be running, so any ``running`` row is stale by definition.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update

from sync.state.models import RunMode, RunRow, RunStatus
from sync.state.repository import Repository
from sync.state.types import to_jsonable

RUNS = RunRow.__table__
FINAL_STATUSES = frozenset(RunStatus) - {RunStatus.RUNNING}


class UnknownRunError(LookupError):
    """No run has that id."""


@dataclass(frozen=True, slots=True)
class Run:
    """A sync run as recorded."""

    run_id: str
    crm: str
    mode: RunMode
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    stats: dict[str, Any]
    error: str | None


def _from_row(row: Row[Any]) -> Run:
    return Run(
        run_id=row.run_id,
        crm=row.crm,
        mode=RunMode(row.mode),
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=RunStatus(row.status),
        stats=row.stats,
        error=row.error,
    )


class RunRepository(Repository):
    """Start, update, finish and list runs."""

    def start(
        self,
        crm: str,
        mode: RunMode,
        *,
        now: datetime | None = None,
        run_id: str | None = None,
    ) -> Run:
        """Record a new running run; call it holding the run lock (stale rows get closed)."""
        started_at = self._now(now)
        run_id = run_id or str(uuid.uuid4())
        with self._source.writing() as conn:
            self._interrupt(conn, crm, started_at)
            conn.execute(
                insert(RunRow).values(
                    run_id=run_id,
                    crm=crm,
                    mode=RunMode(mode).value,
                    started_at=started_at,
                    status=RunStatus.RUNNING.value,
                    stats={},
                )
            )
        return self._require(run_id)

    def record_unstarted(
        self,
        crm: str,
        mode: RunMode,
        status: RunStatus,
        reason: str,
        *,
        now: datetime | None = None,
    ) -> Run:
        """A run that ended before it began (skipped: the lock is taken; failed: the login
        was refused). Written without the lock, so it touches no other row."""
        at = self._now(now)
        run_id = str(uuid.uuid4())
        with self._source.writing() as conn:
            conn.execute(
                insert(RunRow).values(
                    run_id=run_id, crm=crm, mode=RunMode(mode).value, started_at=at,
                    finished_at=at, status=RunStatus(status).value, stats={}, error=reason,
                )
            )  # fmt: skip
        return self._require(run_id)

    def interrupt_stale(self, crm: str | None = None, *, now: datetime | None = None) -> int:
        """Mark ``running`` rows as interrupted; only safe while holding the run lock."""
        with self._source.writing() as conn:
            return self._interrupt(conn, crm, self._now(now))

    def update_stats(self, run_id: str, stats: Mapping[str, Any]) -> None:
        """Replace a run's stats mid-run, so a crash still leaves the counts so far."""
        self._update(run_id, stats=to_jsonable(stats))

    def finish(
        self,
        run_id: str,
        status: RunStatus,
        *,
        stats: Mapping[str, Any] | None = None,
        error: str | None = None,
        now: datetime | None = None,
    ) -> Run:
        """Close a run with its final status (never ``running``)."""
        status = RunStatus(status)
        if status not in FINAL_STATUSES:
            msg = f"{status} is not a final run status"
            raise ValueError(msg)
        values: dict[str, Any] = {
            "status": status.value,
            "finished_at": self._now(now),
            "error": error,
        }
        if stats is not None:
            values["stats"] = to_jsonable(stats)
        self._update(run_id, **values)
        return self._require(run_id)

    def get(self, run_id: str) -> Run | None:
        """One run by id."""
        with self._source.reading() as conn:
            row = conn.execute(select(RUNS).where(RunRow.run_id == run_id)).one_or_none()
        return None if row is None else _from_row(row)

    def recent(self, crm: str | None = None, *, limit: int = 20) -> list[Run]:
        """Latest runs first."""
        query = select(RUNS).order_by(RunRow.started_at.desc(), RunRow.run_id).limit(limit)
        if crm is not None:
            query = query.where(RunRow.crm == crm)
        with self._source.reading() as conn:
            return [_from_row(row) for row in conn.execute(query)]

    def last(
        self,
        crm: str,
        *,
        statuses: Iterable[RunStatus] = (RunStatus.SUCCEEDED,),
        modes: Iterable[RunMode] | None = None,
    ) -> Run | None:
        """The latest run of ``crm`` that ended in one of ``statuses`` (of ``modes``)."""
        query = (
            select(RUNS)
            .where(RunRow.crm == crm, RunRow.status.in_([RunStatus(s).value for s in statuses]))
            .order_by(RunRow.started_at.desc())
            .limit(1)
        )
        if modes is not None:
            query = query.where(RunRow.mode.in_([RunMode(m).value for m in modes]))
        with self._source.reading() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _from_row(row)

    def _interrupt(self, conn: Any, crm: str | None, now: datetime) -> int:
        stmt = (
            update(RunRow)
            .where(RunRow.status == RunStatus.RUNNING.value)
            .values(status=RunStatus.INTERRUPTED.value, finished_at=now)
        )
        if crm is not None:
            stmt = stmt.where(RunRow.crm == crm)
        return int(conn.execute(stmt).rowcount)

    def _update(self, run_id: str, **values: Any) -> None:
        with self._source.writing() as conn:
            result = conn.execute(update(RunRow).where(RunRow.run_id == run_id).values(**values))
            if result.rowcount != 1:
                raise UnknownRunError(run_id)

    def _require(self, run_id: str) -> Run:
        run = self.get(run_id)
        if run is None:
            raise UnknownRunError(run_id)
        return run
