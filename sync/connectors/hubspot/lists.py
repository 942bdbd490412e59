"""What search cannot give: owners, and archived (deleted) records. Both by list paging.

- Owners (`user` stream): the owners API (GET /crm/v3/owners, pages of up to 500 with
  `after`; Owners API, https://developers.hubspot.com/docs/api-reference/crm-owners-v3/guide)
  has no search and no modified-since filter, so owners are read in full on every pull - a
  portal has tens or hundreds - and only those whose `updatedAt` falls in the pull's window
  are returned, in (updatedAt, id) order, so the cursor keeps the port's rules.
- Deleted records: search never returns archived records. On an incremental pull (a `since`
  is given) the archived records of the object are listed (GET /crm/v3/objects/{type}
  ?archived=true, 100 a page) and those archived inside the window come back as `deleted`
  with `archivedAt` as their stamp. HubSpot keeps archived records restorable for 90 days,
  which bounds this list; a first (full) pull has nothing to delete and skips it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from mappings.streams import Stream
from sync.connectors.hubspot.door import RAW, Apis, Door
from sync.connectors.hubspot.errors import CallContext
from sync.connectors.hubspot.search import MODIFIED, order
from sync.connectors.hubspot.values import parse_stamp
from sync.core.ports import RECORD_ID, RECORD_MODSTAMP, FlatRecord, Position

OWNER_PAGE = 500
LIST_PAGE = 100


def in_window(record: FlatRecord, since: Position | None, until: datetime) -> bool:
    """At or after `since` (strictly after when it names an id), never after `until`."""
    stamp = record[RECORD_MODSTAMP]
    if stamp > until:
        return False
    if since is None or stamp > since.modstamp:
        return True
    if stamp < since.modstamp:
        return False
    return not since.record_id or int(record[RECORD_ID]) > int(since.record_id)


def owner_pages(
    door: Door, stream: Stream, since: Position | None, until: datetime
) -> Iterator[list[FlatRecord]]:
    owners = [_owner(o, stream.fields) for o in _all_owners(door)]
    chosen = sorted((o for o in owners if in_window(o, since, until)), key=order)
    for start in range(0, len(chosen), OWNER_PAGE):
        yield chosen[start : start + OWNER_PAGE]


def _all_owners(door: Door) -> Iterator[dict[str, Any]]:
    after: str | None = None
    while True:
        answer = door.call(partial(_owner_page, after), CallContext("owners"))
        body = answer.body or {}
        yield from body.get("results") or []
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return


def _owner_page(after: str | None, apis: Apis) -> Any:
    return apis.owners.get_page(limit=OWNER_PAGE, after=after, archived=False, **RAW)


def _owner(owner: dict[str, Any], fields: Sequence[str]) -> FlatRecord:
    flat: FlatRecord = {name: owner.get(name) for name in fields}
    flat["id"] = str(owner["id"])
    flat[RECORD_ID] = str(owner["id"])
    flat[RECORD_MODSTAMP] = parse_stamp(str(owner.get("updatedAt") or owner.get("createdAt")))
    return flat


def archived_records(
    door: Door, object_name: str, since: Position, until: datetime
) -> list[FlatRecord]:
    """Records of `object_name` archived inside the window, in (archivedAt, id) order."""
    found: list[FlatRecord] = []
    after: str | None = None
    while True:
        answer = door.call(partial(_archived_page, object_name, after), CallContext(object_name))
        body = answer.body or {}
        for result in body.get("results") or []:
            stamp = result.get("archivedAt") or result.get("updatedAt")
            record: FlatRecord = {"id": str(result["id"]), "archived": True}
            record[RECORD_ID] = str(result["id"])
            record[RECORD_MODSTAMP] = parse_stamp(str(stamp))
            if in_window(record, since, until):
                found.append(record)
        after = ((body.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return sorted(found, key=order)


def _archived_page(object_name: str, after: str | None, apis: Apis) -> Any:
    return apis.basic.get_page(
        object_name, limit=LIST_PAGE, after=after, archived=True, properties=[MODIFIED], **RAW
    )
