"""Index the mirror by the record each row is evaluated with (its parent: an order's account,
a line's order) and by the order an order amends, so a run loads one batch of accounts at a
time instead of the whole org (bounded memory). Existing rows start NULL ("not worked out
yet"); the next run fills them in (sync.pipeline.partition). And mark a stream cursor
settled once a later read took in its whole second again and found nothing past it, so a
quiet run reads strictly after it (sync.state.cursors).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "mirror_records"


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column("parent_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("link_id", sa.String(255), nullable=True))
    with op.batch_alter_table("sync_cursors") as batch:
        batch.add_column(
            sa.Column("settled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_mirror_records_crm_object_type_parent_id", _TABLE, ["crm", "object_type", "parent_id"]
    )
    op.create_index(
        "ix_mirror_records_crm_object_type_link_id", _TABLE, ["crm", "object_type", "link_id"]
    )


def downgrade() -> None:
    with op.batch_alter_table("sync_cursors") as batch:
        batch.drop_column("settled")
    op.drop_index("ix_mirror_records_crm_object_type_link_id", _TABLE)
    op.drop_index("ix_mirror_records_crm_object_type_parent_id", _TABLE)
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column("link_id")
        batch.drop_column("parent_id")
