"""The query and queryAll resources, with query locators for the next pages.

A query runs once; its matching rows are kept under a locator and handed out a page at a
time (2,000 by default, `Sforce-Query-Options: batchSize=N` within 200..2,000). Because the
store never mutates a row in place, later pages show the rows as they were when the query
ran, like a real server-side cursor. Locators are dropped when their last page is read;
only the newest `MAX_CURSORS` stay open (real orgs also cap open cursors per user), and an
unknown locator answers INVALID_QUERY_LOCATOR.
"""

from __future__ import annotations

import itertools
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from crm_sandbox.salesforce.errors import ApiError
from crm_sandbox.salesforce.ids import checksum
from crm_sandbox.salesforce.schema import Schema
from crm_sandbox.salesforce.soql_aggregate import aggregate_records
from crm_sandbox.salesforce.soql_eval import Plan, plan, project, sort_rows
from crm_sandbox.salesforce.soql_parser import parse
from crm_sandbox.salesforce.store import Row, Store

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_CURSORS = 50
_BATCH_RE = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass(slots=True)
class Cursor:
    plan: Plan
    rows: list[Row]
    batch: int
    resource: str  # query | queryAll


def batch_size(header: str | None) -> int:
    """The page size asked for in Sforce-Query-Options, clamped to what the API allows."""
    found = _BATCH_RE.search(header or "")
    if not found:
        return DEFAULT_BATCH
    return max(MIN_BATCH, min(DEFAULT_BATCH, int(found.group(1))))


class QueryService:
    def __init__(
        self, schema: Schema, store: Store, version: str, fiscal_year_start_month: int = 1
    ) -> None:
        self.schema = schema
        self.store = store
        self.version = version
        self.fiscal_year_start_month = fiscal_year_start_month
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._numbers = itertools.count(1)

    def run(self, soql: str, *, include_deleted: bool, batch: int, today: date) -> dict[str, Any]:
        query = parse(soql)
        plan_ = plan(query, self.schema, self.store, today, self.fiscal_year_start_month)
        rows = plan_.rows(self.store, include_deleted)
        if query.count:
            return {"totalSize": len(rows), "done": True, "records": []}
        if query.aggregated:
            records = aggregate_records(plan_, rows, self.schema, self.store)
            return {"totalSize": len(records), "done": True, "records": records}
        sort_rows(rows, plan_, self.schema, self.store)
        start = query.offset or 0
        end = start + query.limit if query.limit is not None else None
        rows = rows[start:end]
        resource = "queryAll" if include_deleted else "query"
        return self._page(Cursor(plan_, rows, batch, resource), None, 0)

    def more(self, locator: str) -> dict[str, Any]:
        cursor_id, _, offset_text = locator.rpartition("-")
        cursor = self._cursors.get(cursor_id)
        if cursor is None or not offset_text.isdigit():
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(cursor, cursor_id, int(offset_text))

    def _page(self, cursor: Cursor, cursor_id: str | None, offset: int) -> dict[str, Any]:
        page = cursor.rows[offset : offset + cursor.batch]
        records = [project(row, cursor.plan, self.store, self.version) for row in page]
        done = offset + cursor.batch >= len(cursor.rows)
        body: dict[str, Any] = {"totalSize": len(cursor.rows), "done": done}
        if done:
            if cursor_id is not None:
                self._cursors.pop(cursor_id, None)
        else:
            cursor_id = cursor_id or self._open(cursor)
            resource = f"/services/data/v{self.version}/{cursor.resource}"
            body["nextRecordsUrl"] = f"{resource}/{cursor_id}-{offset + cursor.batch}"
        body["records"] = records
        return body

    def _open(self, cursor: Cursor) -> str:
        id15 = f"01gDn0{next(self._numbers):09d}"
        cursor_id = id15 + checksum(id15)
        self._cursors[cursor_id] = cursor
        while len(self._cursors) > MAX_CURSORS:
            self._cursors.popitem(last=False)
        return cursor_id
