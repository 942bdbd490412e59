"""Alembic environment: always runs on the connection :func:`sync.state.migrate.migrate` opened."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from sync.state.models import Base
from sync.state.types import UTCDateTime


def render_item(type_: str, obj: Any, _autogen: AutogenContext) -> str | Literal[False]:
    """Write plain SQLAlchemy types into new revisions, never this package's decorators."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_online() -> None:
    """Apply migrations inside the caller's transaction (batch mode for SQLite ALTERs)."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        msg = "run migrations through sync.state.migrate.migrate(url)"
        raise RuntimeError(msg)
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    msg = "offline (SQL script) migrations are not supported"
    raise RuntimeError(msg)
run_migrations_online()
