"""Run the packaged Alembic migrations from code: no ``alembic.ini`` at run time.

The migration scripts live in ``sync/state/migrations`` (installed as package data), and the
Alembic :class:`~alembic.config.Config` is built here. Migrations run on a connection we
open, so ``env.py`` never needs the URL (and never logs it with its password).
Two processes starting at once are serialised: a transaction-level advisory lock on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from sync.state.engine import WRITE, create_state_engine
from sync.state.lock import advisory_key

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_NAME = "renewal-sync:migrate"


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` before the first migration)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(target: str | Engine, revision: str = "head") -> None:
    """Upgrade the database at ``target`` (a URL or an engine) to ``revision``."""
    engine = create_state_engine(target) if isinstance(target, str) else target
    config = alembic_config()
    try:
        with engine.connect().execution_options(**WRITE) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                key = advisory_key(MIGRATION_LOCK_NAME)
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        if isinstance(target, str):
            engine.dispose()
