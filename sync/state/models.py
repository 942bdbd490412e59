"""ORM tables of the state store; the Alembic migrations must describe exactly these.

Statuses and kinds are plain strings validated by the enums below rather than database enums:
adding a value then needs no migration, and SQLite and PostgreSQL stay identical.
A test compares this metadata with the migrated schema on both databases.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Date, Index, Integer, MetaData, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sync.state.types import JSONDoc, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CRM = String(32)
KEY = String(255)


class RunMode(StrEnum):
    """How a run pulls and whether it writes."""

    FULL = "full"
    INCREMENTAL = "incremental"
    DRY_RUN = "dry_run"
    RECONCILE = "reconcile"
    """A complete re-read of the CRM, the invariants checked, what the service owns repaired."""
    RECONCILE_DRY = "reconcile_dry"
    """Reconciliation that only reports (`reconcile --dry-run`)."""


class RunStatus(StrEnum):
    """Life cycle of a run; ``running`` rows left by a crash become ``interrupted``.

    ``skipped``: another runner held the run lock, so this one did nothing.
    """

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    DEFERRED = "deferred"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    SKIPPED = "skipped"


class Stage(StrEnum):
    """Pipeline stage a per-record error happened in."""

    PULL = "pull"
    DECIDE = "decide"
    PUSH = "push"


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention, so migrations name constraints alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDoc,
    }


class MirrorRow(Base):
    """Local copy of one pulled CRM record (soft-deleted rows stay, flagged)."""

    __tablename__ = "mirror_records"
    __table_args__ = (
        Index(None, "crm", "object_type", "system_modstamp", "record_id"),
        Index(None, "crm", "object_type", "parent_id"),
        Index(None, "crm", "object_type", "link_id"),
    )

    crm: Mapped[str] = mapped_column(CRM, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(KEY, primary_key=True)
    system_modstamp: Mapped[datetime]
    is_deleted: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict[str, Any]]
    pulled_at: Mapped[datetime]
    parent_id: Mapped[str | None] = mapped_column(KEY)
    """The record this one is evaluated with (an order's account, a line's order; see
    sync.pipeline.partition): runs load one batch of accounts at a time by it. NULL: not
    worked out yet; empty: none."""
    link_id: Mapped[str | None] = mapped_column(KEY)
    """The order an order amends: a subscription can cross accounts, and its batch with it."""


class CursorRow(Base):
    """Keyset position (modstamp, id) of one stream; committed with the page it covers."""

    __tablename__ = "sync_cursors"

    crm: Mapped[str] = mapped_column(CRM, primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_modstamp: Mapped[datetime]
    last_id: Mapped[str] = mapped_column(KEY)
    updated_at: Mapped[datetime]
    read_until: Mapped[datetime | None]
    """The `until` (run start) of the latest read of this stream: late-visible records can
    only hide in the lookback before it (see sync.state.cursors)."""
    settled: Mapped[bool] = mapped_column(default=False, server_default=false())
    """A later read took in the cursor's whole second again and found nothing past it: on a
    CRM stamping to the second nothing can still appear there (see sync.state.cursors)."""


class WrittenRow(Base):
    """What the service last wrote to the CRM for one external key."""

    __tablename__ = "written_state"

    crm: Mapped[str] = mapped_column(CRM, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    external_key: Mapped[str] = mapped_column(KEY, primary_key=True)
    record_id: Mapped[str | None] = mapped_column(KEY)
    payload_hash: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    written_at: Mapped[datetime]
    run_id: Mapped[str | None] = mapped_column(String(36))


class SeenRow(Base):
    """The day the service first saw a contract or subscription (milestone back-fill rule)."""

    __tablename__ = "first_seen"

    crm: Mapped[str] = mapped_column(CRM, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(KEY, primary_key=True)
    first_seen: Mapped[date] = mapped_column(Date)


class RunRow(Base):
    """One sync run: what it did, how it ended."""

    __tablename__ = "runs"
    __table_args__ = (
        Index(None, "crm", "started_at"),
        Index(None, "status"),
    )

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    crm: Mapped[str] = mapped_column(CRM)
    mode: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    stats: Mapped[dict[str, Any]]
    error: Mapped[str | None] = mapped_column(Text)


class RecordErrorRow(Base):
    """A record the pipeline could not handle, kept for admins and retried on later runs."""

    __tablename__ = "record_errors"
    __table_args__ = (
        UniqueConstraint("crm", "object_type", "record_key", "stage"),
        Index(None, "resolved_at", "crm"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    crm: Mapped[str] = mapped_column(CRM)
    object_type: Mapped[str] = mapped_column(String(64))
    record_key: Mapped[str] = mapped_column(KEY)
    stage: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer)
    resolved_at: Mapped[datetime | None]
    last_run_id: Mapped[str | None] = mapped_column(String(36))


class HeartbeatRow(Base):
    """Latest sign of life of one daemon, read by ``renewal-sync health --check``."""

    __tablename__ = "heartbeats"

    daemon_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    beat_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(32))


class LeaseRow(Base):
    """Run-lock lease used on SQLite, where advisory locks do not exist."""

    __tablename__ = "run_leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]
