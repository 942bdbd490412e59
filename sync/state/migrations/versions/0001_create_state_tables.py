"""Create the state tables: mirror, cursors, written state, first seen, runs, errors,
heartbeats and run leases.

Types are spelled out here (not imported from sync.state) so this revision keeps describing
the same schema whatever the application code becomes.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "first_seen",
        sa.Column("crm", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("crm", "kind", "key", name=op.f("pk_first_seen")),
    )
    op.create_table(
        "heartbeats",
        sa.Column("daemon_id", sa.String(length=64), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("daemon_id", name=op.f("pk_heartbeats")),
    )
    op.create_table(
        "mirror_records",
        sa.Column("crm", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=255), nullable=False),
        sa.Column("system_modstamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_deleted", sa.Boolean(), nullable=False),
        sa.Column("data", JSON_DOC, nullable=False),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("crm", "object_type", "record_id", name=op.f("pk_mirror_records")),
    )
    op.create_index(
        op.f("ix_mirror_records_crm_object_type_system_modstamp_record_id"),
        "mirror_records",
        ["crm", "object_type", "system_modstamp", "record_id"],
        unique=False,
    )
    op.create_table(
        "record_errors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("crm", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("record_key", sa.String(length=255), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=128), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_errors")),
        sa.UniqueConstraint(
            "crm",
            "object_type",
            "record_key",
            "stage",
            name=op.f("uq_record_errors_crm_object_type_record_key_stage"),
        ),
    )
    op.create_index(
        op.f("ix_record_errors_resolved_at_crm"),
        "record_errors",
        ["resolved_at", "crm"],
        unique=False,
    )
    op.create_table(
        "run_leases",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_run_leases")),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("crm", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("stats", JSON_DOC, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_crm_started_at"), "runs", ["crm", "started_at"], unique=False)
    op.create_index(op.f("ix_runs_status"), "runs", ["status"], unique=False)
    op.create_table(
        "sync_cursors",
        sa.Column("crm", sa.String(length=32), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("last_modstamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_id", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("crm", "stream", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "written_state",
        sa.Column("crm", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("external_key", sa.String(length=255), nullable=False),
        sa.Column("record_id", sa.String(length=255), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON_DOC, nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint(
            "crm", "object_type", "external_key", name=op.f("pk_written_state")
        ),
    )


def downgrade() -> None:
    op.drop_table("written_state")
    op.drop_table("sync_cursors")
    op.drop_index(op.f("ix_runs_status"), table_name="runs")
    op.drop_index(op.f("ix_runs_crm_started_at"), table_name="runs")
    op.drop_table("runs")
    op.drop_table("run_leases")
    op.drop_index(op.f("ix_record_errors_resolved_at_crm"), table_name="record_errors")
    op.drop_table("record_errors")
    op.drop_index(
        op.f("ix_mirror_records_crm_object_type_system_modstamp_record_id"),
        table_name="mirror_records",
    )
    op.drop_table("mirror_records")
    op.drop_table("heartbeats")
    op.drop_table("first_seen")
