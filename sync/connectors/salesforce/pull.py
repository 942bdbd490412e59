"""Keyset-paged pulls through queryAll, flattened to the port's records.

Cursor rules (the port's contract, enforced here):

- rows come in (SystemModstamp, Id) order, strictly after `since` when it is given, and
  never after `until` (the run's start, so a cursor never moves past it);
- every page is a fresh query resuming after the last (SystemModstamp, Id) seen, never
  OFFSET and never a long-lived query locator, so ties on SystemModstamp across a page
  boundary are neither skipped nor repeated, and a page that would not move the position
  forward stops the pull with an error instead of looping;
- `queryAll` so soft-deleted rows (IsDeleted = true, still in the recycle bin) come back and
  can be reported in `PulledPage.deleted` (queryAll resource,
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm).

Parent fields come back nested (`"Account": {"attributes": ..., "Name": "Acme"}`, or
`"Account": null`); they are flattened to the dotted names the caller asked for, and every
requested parent field of a missing parent is None. Salesforce answers with each field's own
spelling (`Id` for `id`), so lookups ignore case and keys keep the caller's spelling.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from simple_salesforce import Salesforce

from mappings.streams import Stream
from sync.connectors.salesforce.errors import CallContext
from sync.connectors.salesforce.session import TIMEOUT, Door
from sync.connectors.salesforce.soql import PAGE_LIMIT, pull_query, select_list
from sync.core.ports import (
    RECORD_ID,
    RECORD_MODSTAMP,
    CrmError,
    FlatRecord,
    Position,
    PulledPage,
)

MODSTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"  # 2026-11-21T10:00:00.000+0000


def parse_modstamp(text: str) -> datetime:
    """A Salesforce dateTime as an aware UTC datetime."""
    return datetime.strptime(text, MODSTAMP_FORMAT).astimezone(UTC)


def flatten(row: Mapping[str, Any], paths: Sequence[str]) -> FlatRecord:
    """The requested paths of a nested query row; a missing parent gives None."""
    return {path: _walk(row, path.split(".")) for path in paths}


def _walk(node: Mapping[str, Any] | None, parts: Sequence[str]) -> Any:
    for part in parts:
        if node is None:
            return None
        node = _get(node, part)
    return node


def _get(node: Mapping[str, Any], name: str) -> Any:
    if name in node:
        return node[name]
    lowered = name.lower()
    return next((v for k, v in node.items() if k.lower() == lowered), None)


def position_of(record: FlatRecord) -> Position:
    return Position(parse_modstamp(str(record["SystemModstamp"])), str(record["Id"]))


def to_page(rows: Sequence[Mapping[str, Any]], paths: Sequence[str]) -> PulledPage:
    """Split live rows from soft-deleted ones; both keep (SystemModstamp, Id) order."""
    records: list[FlatRecord] = []
    deleted: list[FlatRecord] = []
    for row in rows:
        flat = flatten(row, paths)
        flat[RECORD_ID] = str(flat["Id"])
        flat[RECORD_MODSTAMP] = parse_modstamp(str(flat["SystemModstamp"]))
        (deleted if flat["IsDeleted"] else records).append(flat)
    last = position_of(flatten(rows[-1], paths)) if rows else None
    return PulledPage(records, deleted, last)


def pull_pages(
    door: Door, stream: Stream, since: Position | None, until: datetime
) -> Iterator[PulledPage]:
    """Pages of `stream` after `since` up to `until`; one query call per page of 2,000."""
    paths = select_list(stream.fields)
    context = CallContext(stream.object, tuple(stream.fields))
    after = since
    while True:
        soql = pull_query(
            stream.object,
            paths,
            where=stream.where,
            after=after,
            until=until,
            require_field=stream.require_field,
        )
        answer = door.call(partial(_query_all, soql), context)
        rows: list[dict[str, Any]] = answer["records"][: PAGE_LIMIT - 1]
        if not rows:
            return
        page = to_page(rows, paths)
        yield page
        if answer.get("done", True) and len(answer["records"]) < PAGE_LIMIT:
            return
        after = _advanced(after, page.last)


def _query_all(soql: str, sf: Salesforce) -> Any:
    """The first batch of a queryAll (deleted rows included); later batches are not read."""
    return sf.query(soql, include_deleted=True, timeout=TIMEOUT)


def _advanced(before: Position | None, last: Position | None) -> Position:
    """The next resume point; the same or an earlier one means the server ignored the bound.

    Only timestamps are compared here: how the server orders Ids among equal stamps is its
    business, and comparing them client-side could call a good page stalled.
    """
    if last is None or (before is not None and (last == before or last.modstamp < before.modstamp)):
        raise CrmError(
            "KEYSET_STALLED", f"a page did not move past {before}; stopping instead of looping"
        )
    return last
