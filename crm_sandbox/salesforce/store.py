"""The org's rows, held in memory with the indexes the API needs to stay fast.

Rows are plain dicts in wire form (see values.py), keyed by 18-character id, one table per
object in creation order. A write never mutates a stored dict: it stores a new one. That
keeps query cursors (which hold references to the rows they matched) a stable snapshot, and
makes rolling back an allOrNone call a matter of putting the old dicts back.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from crm_sandbox.salesforce.schema import Schema

Row = dict[str, Any]


class Store:
    """Tables by object, an id -> table map, and lazily built unique-value indexes."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.tables: dict[str, dict[str, Row]] = {name: {} for name in schema.objects}
        self.lock = threading.RLock()
        self._unique: dict[tuple[str, str], dict[Any, set[str]]] = {}
        self._children: dict[str, set[str]] = {}  # Opportunity id -> its line item ids
        self._by_stamp: dict[str, list[tuple[str, str]]] = {}  # (SystemModstamp, Id), sorted
        self._undo: list[tuple[str, str, Row | None]] | None = None

    # -- reads --------------------------------------------------------------------------

    def table(self, sobject: str) -> dict[str, Row]:
        return self.tables.setdefault(sobject, {})

    def get(self, record_id: str) -> Row | None:
        obj = self.schema.by_prefix(record_id)
        if obj is None:
            return None
        return self.tables.get(obj.name, {}).get(record_id)

    def find(self, sobject: str, field: str, value: Any) -> list[str]:
        """Ids of live rows whose unique/external-id `field` equals `value` (case-insensitive)."""
        index = self._index(sobject, field)
        return sorted(index.get(_key(value), ()))

    def since(self, sobject: str, stamp: str) -> Iterator[Row]:
        """Rows stamped at or after `stamp`, in (SystemModstamp, Id) order: what a keyset
        read needs without scanning the table (built on first use, kept by every write)."""
        index = self._stamp_index(sobject)
        table = self.table(sobject)
        for _, record_id in index[bisect.bisect_left(index, (stamp, "")) :]:
            row = table.get(record_id)
            if row is not None:
                yield row

    def line_items(self, opportunity_id: str) -> list[Row]:
        table = self.table("OpportunityLineItem")
        rows = (table.get(i) for i in self._children.get(opportunity_id, ()))
        return [row for row in rows if row is not None and not row.get("IsDeleted")]

    # -- writes -------------------------------------------------------------------------

    def put(self, sobject: str, row: Row) -> None:
        """Insert or replace a row, keeping the indexes and the undo log current."""
        table = self.table(sobject)
        record_id = row["Id"]
        old = table.get(record_id)
        if self._undo is not None:
            self._undo.append((sobject, record_id, old))
        table[record_id] = row
        self._reindex(sobject, record_id, old, row)

    def remove(self, sobject: str, record_id: str) -> None:
        old = self.table(sobject).pop(record_id, None)
        self._reindex(sobject, record_id, old, None)

    @contextmanager
    def transaction(self) -> Iterator[list[tuple[str, str, Row | None]]]:
        """Record every put so `rollback` can undo them (allOrNone, failed single writes)."""
        outer = self._undo
        self._undo = []
        try:
            yield self._undo
        finally:
            log = self._undo
            self._undo = outer
            if outer is not None:
                outer.extend(log)

    def rollback(self, log: list[tuple[str, str, Row | None]]) -> None:
        undo, self._undo = self._undo, None
        try:
            for sobject, record_id, old in reversed(log):
                if old is None:
                    self.remove(sobject, record_id)
                else:
                    self.put(sobject, old)
        finally:
            self._undo = undo
        log.clear()

    # -- indexes ------------------------------------------------------------------------

    def _index(self, sobject: str, field: str) -> dict[Any, set[str]]:
        key = (sobject, field)
        index = self._unique.get(key)
        if index is None:
            index = {}
            for record_id, row in self.table(sobject).items():
                value = row.get(field)
                if value is not None and not row.get("IsDeleted"):
                    index.setdefault(_key(value), set()).add(record_id)
            self._unique[key] = index
        return index

    def _stamp_index(self, sobject: str) -> list[tuple[str, str]]:
        index = self._by_stamp.get(sobject)
        if index is None:
            index = sorted(
                (str(row.get("SystemModstamp") or ""), record_id)
                for record_id, row in self.table(sobject).items()
            )
            self._by_stamp[sobject] = index
        return index

    def _reindex(self, sobject: str, record_id: str, old: Row | None, new: Row | None) -> None:
        stamps = self._by_stamp.get(sobject)
        if stamps is not None:
            if old is not None:
                entry = (str(old.get("SystemModstamp") or ""), record_id)
                at = bisect.bisect_left(stamps, entry)
                if at < len(stamps) and stamps[at] == entry:
                    del stamps[at]
            if new is not None:
                bisect.insort(stamps, (str(new.get("SystemModstamp") or ""), record_id))
        for (indexed, field), index in self._unique.items():
            if indexed != sobject:
                continue
            _unlink(index, old, field, record_id)
            if new is not None and not new.get("IsDeleted") and new.get(field) is not None:
                index.setdefault(_key(new[field]), set()).add(record_id)
        if sobject == "OpportunityLineItem":
            if old is not None and old.get("OpportunityId"):
                self._children.get(old["OpportunityId"], set()).discard(record_id)
            if new is not None and new.get("OpportunityId"):
                self._children.setdefault(new["OpportunityId"], set()).add(record_id)


def _key(value: Any) -> Any:
    """Unique and external-id text matches ignore case, as in a real org."""
    return value.lower() if isinstance(value, str) else value


def _unlink(index: dict[Any, set[str]], old: Row | None, field: str, record_id: str) -> None:
    if old is None or old.get(field) is None:
        return
    ids = index.get(_key(old[field]))
    if ids is not None:
        ids.discard(record_id)
        if not ids:
            del index[_key(old[field])]
