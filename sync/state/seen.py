"""First-seen dates of contracts and subscriptions.

The milestone rule needs "the day the service first saw this contract": a milestone already
past on that day is not raised late (except the latest one). The date is set once, by the
first run that meets the key, and never moves afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import select, update

from sync.state.engine import insert_for
from sync.state.models import SeenRow
from sync.state.repository import Repository, chunked

CHUNK = 500


class FirstSeenRepository(Repository):
    """Record and look up first-seen dates per (crm, kind, key)."""

    def mark(
        self, crm: str, kind: str, keys: Iterable[str], *, today: date | None = None
    ) -> dict[str, date]:
        """Remember ``today`` for keys not seen before; return every key's first-seen date."""
        day = today if today is not None else self._clock().date()
        unique = list(dict.fromkeys(keys))
        with self._source.writing() as conn:
            stmt = insert_for(conn)(SeenRow).on_conflict_do_nothing(
                index_elements=[SeenRow.crm, SeenRow.kind, SeenRow.key]
            )
            for chunk in chunked(unique, CHUNK):
                rows = [{"crm": crm, "kind": kind, "key": key, "first_seen": day} for key in chunk]
                conn.execute(stmt, rows)
        return self.get(crm, kind, unique)

    def get(self, crm: str, kind: str, keys: Iterable[str]) -> dict[str, date]:
        """First-seen dates of the known keys among ``keys``."""
        found: dict[str, date] = {}
        with self._source.reading() as conn:
            for chunk in chunked(dict.fromkeys(keys), CHUNK):
                query = select(SeenRow.key, SeenRow.first_seen).where(
                    SeenRow.crm == crm, SeenRow.kind == kind, SeenRow.key.in_(chunk)
                )
                found.update((row.key, row.first_seen) for row in conn.execute(query))
        return found

    def rename(self, crm: str, kind: str, renames: Mapping[str, str]) -> None:
        """Carry first-seen dates to new keys (a key scheme migrated): the date never moves."""
        with self._source.writing() as conn:
            for old, new in renames.items():
                taken = conn.execute(
                    select(SeenRow.key).where(
                        SeenRow.crm == crm, SeenRow.kind == kind, SeenRow.key == new
                    )
                ).first()
                if taken is None:
                    conn.execute(
                        update(SeenRow)
                        .where(SeenRow.crm == crm, SeenRow.kind == kind, SeenRow.key == old)
                        .values(key=new)
                    )
