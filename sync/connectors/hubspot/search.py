"""Incremental pulls through the CRM search API, keyset-paged on (hs_lastmodifieddate, id).

HubSpot's search (POST /crm/v3/objects/{type}/search, "Search the CRM",
https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm) answers at most
200 records a page and never more than 10,000 for one query (`after` past it is a 400), allows
ONE sort, up to 5 filter groups of up to 10 filters (25 in all), and says nothing about the
order of records that tie on the sort property. The cursor rules that follow from it:

- every page is a *fresh* search bounded below by the last stamp read, never an `after`
  offset: the 10,000 cap cannot bite, and a record edited mid-pull (it leaves the result set)
  cannot shift the offsets and make the next page skip a record;
- the main search sorts by `hs_lastmodifieddate` and filters `GTE` the last stamp (`GT` once
  a stamp is finished) and `LTE until`; records at the page's last stamp are held back and
  their ids remembered, the next search starts at that stamp and skips them, so ties across
  a page boundary are neither lost nor repeated, whatever order the server gives ties;
- when a whole page shares one stamp (a bulk import, a fixed test clock: > 10,000 records in
  one millisecond are real), that stamp is drained on its own with `EQ stamp` and `hs_object_id
  GT last id`, sorted by `hs_object_id` - an exact keyset on the unique id - and the main
  search resumes with `GT stamp`;
- a position with an id (`Position(stamp, id)`) skips the records at that stamp with ids up to
  it; one with an empty id means "from this stamp, inclusive" (the caller's lookback).

Cost: one call per page of 200 (plus one page re-read when a tie group fills a page).

A property that no longer exists is silently left out of the answer by HubSpot, so a
requested property missing from a record's `properties` (unset ones come back as null) is
schema drift; a search refused as a VALIDATION_ERROR is diagnosed with one properties call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from mappings.streams import Stream
from sync.connectors.hubspot.door import RAW, Apis, Door
from sync.connectors.hubspot.errors import CallContext
from sync.connectors.hubspot.values import ceil_ms, datetime_ms, parse_stamp, wire
from sync.core.ports import (
    RECORD_ID,
    RECORD_MODSTAMP,
    CrmError,
    FlatRecord,
    Position,
    SchemaDriftError,
)

PAGE = 200
MODIFIED = "hs_lastmodifieddate"
OBJECT_ID = "hs_object_id"
SYSTEM = (OBJECT_ID, MODIFIED)


def order(record: FlatRecord) -> tuple[datetime, int]:
    return record[RECORD_MODSTAMP], int(record[RECORD_ID])


def flatten(result: dict[str, Any], fields: Sequence[str]) -> FlatRecord:
    """A search/list result as the port's flat record: id, the fields, the two markers."""
    props = result.get("properties") or {}
    flat: FlatRecord = {"id": str(result["id"])}
    for name in (*fields, *SYSTEM):
        if name != "id":
            flat[name] = props.get(name)
    stamp = props.get(MODIFIED) or result.get("updatedAt")
    flat[RECORD_ID] = str(result["id"])
    flat[RECORD_MODSTAMP] = parse_stamp(str(stamp))
    return flat


class SearchReader:
    """The two searches a pull needs: the main one by stamp, and the drain of one stamp."""

    def __init__(self, door: Door, stream: Stream, until: datetime) -> None:
        self.door = door
        self.stream = stream
        self.until_ms = datetime_ms(until)
        self.properties = list(dict.fromkeys(f for f in (*stream.fields, *SYSTEM) if f != "id"))
        self.context = CallContext(stream.object, tuple(stream.fields))

    def main(self, stamp: datetime | None, inclusive: bool) -> tuple[list[FlatRecord], int]:
        """One page of the main search and its `total` (all matches, not just this page)."""
        filters = [_filter(MODIFIED, "LTE", self.until_ms)]
        if stamp is not None:
            low = ceil_ms(stamp) if inclusive else datetime_ms(stamp)
            filters.append(_filter(MODIFIED, "GTE" if inclusive else "GT", low))
        return self._search(filters, MODIFIED)

    def drain(self, stamp: datetime, floor: int | None) -> Iterator[list[FlatRecord]]:
        """Every record at exactly `stamp` with an id above `floor`, by ascending id."""
        while True:
            filters = [_filter(MODIFIED, "EQ", datetime_ms(stamp))]
            if floor is not None:
                filters.append(_filter(OBJECT_ID, "GT", floor))
            found, total = self._search(filters, OBJECT_ID)
            records = sorted(found, key=order)
            if records:
                yield records
            if len(records) < PAGE or total <= len(records):
                return
            last = int(records[-1][RECORD_ID])
            if floor is not None and last <= floor:
                raise CrmError("KEYSET_STALLED", f"a page did not move past id {floor}")
            floor = last

    def _search(self, filters: list[dict[str, str]], sort: str) -> tuple[list[FlatRecord], int]:
        body = {
            "filterGroups": [{"filters": [*filters, *self._mapped_filters()]}],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": self.properties,
            "limit": PAGE,
        }
        try:
            answer = self.door.call(
                partial(_post_search, self.stream.object, body), self.context, search=True
            )
        except CrmError as error:
            if error.code == "VALIDATION_ERROR":
                raise self._diagnose(error) from error
            raise
        found: dict[str, Any] = answer.body or {}
        results: list[dict[str, Any]] = found.get("results") or []
        if results:
            self._check_properties(results[0])
        total = int(found.get("total", len(results) + 1))
        return [flatten(r, self.stream.fields) for r in results], total

    def _mapped_filters(self) -> list[dict[str, Any]]:
        where = self.stream.where or {}
        if not isinstance(where, dict):
            raise TypeError(f"a HubSpot stream filter is a dict of equalities, not {where!r}")
        filters: list[dict[str, Any]] = [_equality(k, v) for k, v in where.items()]
        if self.stream.require_field:
            filters.append({"propertyName": self.stream.require_field, "operator": "HAS_PROPERTY"})
        return filters

    def _check_properties(self, result: dict[str, Any]) -> None:
        present = result.get("properties") or {}
        for name in self.properties:
            if name not in present:
                raise SchemaDriftError(
                    "PROPERTY_DOESNT_EXIST",
                    f"{self.stream.object} has no property {name!r} (left out of the answer)",
                    object_name=self.stream.object,
                    field_name=name,
                )

    def _diagnose(self, error: CrmError) -> CrmError:
        """A refused search: drift when a property it names is gone, else the error itself."""
        from sync.connectors.hubspot.describe import property_names  # noqa: PLC0415 - cycle

        try:
            existing = property_names(self.door, self.stream.object)
        except CrmError as missing:
            return SchemaDriftError(
                missing.code, missing.message, object_name=self.stream.object, field_name=None
            )
        wanted = [*self.properties, *(self.stream.where or {})]
        wanted += [self.stream.require_field] if self.stream.require_field else []
        for name in wanted:
            if name not in existing:
                message = f"{self.stream.object} has no property {name!r}: {error.message}"
                return SchemaDriftError(
                    "PROPERTY_DOESNT_EXIST",
                    message,
                    object_name=self.stream.object,
                    field_name=name,
                )
        return error


def _equality(name: str, value: Any) -> dict[str, Any]:
    """`name: value` is EQ; `name: [a, b]` is IN, which takes a `values` list (search guide:
    https://developers.hubspot.com/docs/api/crm/search#filter-search-results)."""
    if isinstance(value, list):
        return {"propertyName": name, "operator": "IN", "values": [wire(v) for v in value]}
    return {"propertyName": name, "operator": "EQ", "value": wire(value)}


def _filter(name: str, operator: str, value: int) -> dict[str, str]:
    return {"propertyName": name, "operator": operator, "value": str(value)}


def _post_search(object_type: str, body: dict[str, Any], apis: Apis) -> Any:
    return apis.search.do_search(object_type, public_object_search_request=body, **RAW)


def search_pages(
    door: Door, stream: Stream, since: Position | None, until: datetime
) -> Iterator[list[FlatRecord]]:
    """Record lists in (modstamp, id) order after `since` (see the module doc) up to `until`.

    A search's `total` counts every match of the query, so the pull also ends when a full
    page or a drained stamp accounts for all of them (no empty call to learn it is over).
    Records can only leave the result set during a pull (an edit stamps them after `until`),
    so the count never makes the pull stop early."""
    reader = SearchReader(door, stream, until)
    stamp = since.modstamp if since is not None else None
    floor = int(since.record_id) if since is not None and since.record_id else None
    inclusive = True
    pending: list[FlatRecord] = []
    while True:
        raw, total = reader.main(stamp, inclusive)
        held = {r[RECORD_ID] for r in pending}
        fresh = [r for r in raw if not _seen(r, stamp, floor, held)]
        if len(raw) < PAGE or total <= len(raw):
            if pending or fresh:
                yield sorted(pending + fresh, key=order)
            return
        if not fresh or _one_stamp(fresh):
            tie = fresh[0][RECORD_MODSTAMP] if fresh else stamp
            assert tie is not None
            ready = [r for r in pending if r[RECORD_MODSTAMP] < tie]
            if ready:
                yield sorted(ready, key=order)
            drained = 0
            for records in reader.drain(tie, floor if tie == stamp else None):
                drained += len(records)
                yield records
            if floor is None and total <= len(ready) + drained:
                return
            stamp, inclusive, floor, pending = tie, False, None, []
            continue
        top = max(r[RECORD_MODSTAMP] for r in fresh)
        if stamp is not None and top <= stamp:
            raise CrmError("KEYSET_STALLED", f"a page did not move past {stamp}")
        yield sorted(pending + [r for r in fresh if r[RECORD_MODSTAMP] < top], key=order)
        pending = [r for r in fresh if r[RECORD_MODSTAMP] == top]
        stamp, inclusive, floor = top, True, None


def _seen(record: FlatRecord, stamp: datetime | None, floor: int | None, held: set[str]) -> bool:
    """Already read (held back at this stamp) or at/before the given position."""
    if stamp is None or record[RECORD_MODSTAMP] != stamp:
        return False
    return record[RECORD_ID] in held or (floor is not None and int(record[RECORD_ID]) <= floor)


def _one_stamp(records: list[FlatRecord]) -> bool:
    stamps = {r[RECORD_MODSTAMP] for r in records}
    return len(stamps) == 1
