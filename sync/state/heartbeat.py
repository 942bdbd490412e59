"""Daemon heartbeats, read by ``renewal-sync health --check`` (the container HEALTHCHECK).

Each daemon upserts its own row on every scheduler tick; health is "some beat (of this
daemon) is younger than N seconds". Freshness is judged against the caller's ``now``, so the
check is testable with a fixed clock.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, select

from sync.state.engine import insert_for
from sync.state.models import HeartbeatRow
from sync.state.repository import Repository

HEARTBEATS = HeartbeatRow.__table__


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The latest beat of one daemon."""

    daemon_id: str
    hostname: str
    pid: int
    beat_at: datetime
    state: str

    def age(self, now: datetime) -> timedelta:
        """How long ago the beat was, seen from ``now``."""
        return now - self.beat_at


def _from_row(row: Row[Any]) -> Heartbeat:
    return Heartbeat(**row._mapping)


class HeartbeatRepository(Repository):
    """Beat, read and judge heartbeats."""

    def beat(
        self,
        daemon_id: str,
        state: str = "idle",
        *,
        now: datetime | None = None,
        hostname: str | None = None,
        pid: int | None = None,
    ) -> Heartbeat:
        """Record that ``daemon_id`` is alive and what it is doing."""
        beat = Heartbeat(
            daemon_id=daemon_id,
            hostname=hostname or socket.gethostname(),
            pid=pid if pid is not None else os.getpid(),
            beat_at=self._now(now),
            state=state,
        )
        with self._source.writing() as conn:
            insert = insert_for(conn)(HeartbeatRow).values(
                daemon_id=beat.daemon_id,
                hostname=beat.hostname,
                pid=beat.pid,
                beat_at=beat.beat_at,
                state=beat.state,
            )
            new = insert.excluded
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[HeartbeatRow.daemon_id],
                    set_={
                        "hostname": new.hostname,
                        "pid": new.pid,
                        "beat_at": new.beat_at,
                        "state": new.state,
                    },
                )
            )
        return beat

    def latest(self, daemon_id: str | None = None) -> Heartbeat | None:
        """The most recent beat (of one daemon, or of any)."""
        query = select(HEARTBEATS).order_by(HeartbeatRow.beat_at.desc()).limit(1)
        if daemon_id is not None:
            query = query.where(HeartbeatRow.daemon_id == daemon_id)
        with self._source.reading() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _from_row(row)

    def is_fresh(
        self, max_age: timedelta, *, now: datetime | None = None, daemon_id: str | None = None
    ) -> bool:
        """Whether the latest beat is at most ``max_age`` old."""
        latest = self.latest(daemon_id)
        return latest is not None and latest.age(self._now(now)) <= max_age

    def remove(self, daemon_id: str) -> None:
        """Forget a daemon (e.g. on clean shutdown, so health no longer counts it)."""
        with self._source.writing() as conn:
            conn.execute(delete(HeartbeatRow).where(HeartbeatRow.daemon_id == daemon_id))
