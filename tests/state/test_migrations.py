"""The shipped migrations and the ORM metadata describe the same schema on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from sync.state import StateStore, current_revision, head_revision, migrate
from sync.state.models import Base
from tests.db_fixtures import DbTarget


def test_migrated_schema_matches_the_orm_metadata(store: StateStore) -> None:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_open_brings_the_database_to_the_shipped_head(store: StateStore) -> None:
    assert head_revision() is not None
    assert current_revision(store.engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())


def test_migrating_twice_is_a_no_op(db_target: DbTarget) -> None:
    with db_target.open_store() as first:
        migrate(first.engine)
        assert current_revision(first.engine) == head_revision()
    with db_target.open_store() as second:
        assert current_revision(second.engine) == head_revision()


def test_sqlite_parent_directory_is_created(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/deep/er/state.db"
    with StateStore.open(url) as store:
        assert store.dialect == "sqlite"
    assert (tmp_path / "deep" / "er" / "state.db").exists()
