"""Bulk API 2.0 through simple-salesforce's Bulk 2.0 client, one call at a time.

simple-salesforce's high-level `query` / `upsert` poll with real sleeps and a ten-minute
wait of their own; here each request (create, poll, a results set, upload, close, results)
is one `Door.call`, so the budget, the retries, the re-login and the run's stop token
(`sleep`) apply to Bulk exactly as to REST.

Reads: a complete read of a large stream (a COUNT() says how large, one call) is one
`queryAll` job; its CSV results come in sets of `QUERY_SET` rows by `Sforce-Locator`. Rows
are typed by the object's describe (numbers, booleans, nulls as REST returns them), so the
mirror holds the same values whichever path read them. A job's rows are in no order, so the
stream's cursor moves only once the last set is stored (`PulledPage.last` is None before).
A job that fails, is aborted, or is still running after `wait_seconds` is aborted and the
stream is read through REST instead.

Writes: an upsert of more than `write_threshold` records is one ingest job; each record's
outcome comes from `successfulResults` / `failedResults`; records the job never reached
(`unprocessedrecords`, or a job that failed or hung) are written through REST collections,
so a failed or partial job is never reported as success.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import JobState, Operation

from mappings.described import FieldInfo, parent_through
from mappings.streams import Stream
from sync.connectors.salesforce.errors import CallContext
from sync.connectors.salesforce.pull import parse_modstamp
from sync.connectors.salesforce.session import Door
from sync.connectors.salesforce.soql import bulk_query, select_list
from sync.core.logs import get_logger
from sync.core.ports import (
    RECORD_ID,
    RECORD_MODSTAMP,
    FlatRecord,
    Position,
    PulledPage,
    WriteOutcome,
)

log = get_logger("renewal_sync.salesforce.bulk")
QUERY_SET = 10_000
NULL = "#N/A"  # how an ingest CSV sets a field to null
_NUMBERS = frozenset({"double", "currency", "percent"})
_ZULU = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z$")
Sleep = Callable[[float], None]


class BulkJobError(Exception):
    """A job that did not complete: failed, aborted, or still running past the wait."""


@dataclass(frozen=True)
class BulkOptions:
    pull_threshold: int = 10_000
    write_threshold: int = 2_000
    wait_seconds: float = 600.0
    poll_seconds: float = 2.0


def _client(sf: Salesforce, object_name: str) -> Any:
    return getattr(sf.bulk2, object_name)._client


def count(door: Door, stream: Stream, until: datetime) -> int:
    """How many rows a complete read of `stream` returns (one COUNT() query)."""
    soql = bulk_query(
        stream.object, (), where=stream.where, until=until, require_field=stream.require_field,
        count=True,
    )  # fmt: skip
    answer = door.call(partial(_count, soql), CallContext(stream.object))
    return int(answer.get("totalSize", 0))


def _count(soql: str, sf: Salesforce) -> Any:
    return sf.query(soql)


def query_pages(
    door: Door,
    stream: Stream,
    *,
    until: datetime,
    types: Mapping[str, FieldInfo | None],
    options: BulkOptions,
    sleep: Sleep,
) -> Iterator[PulledPage]:
    """A complete read as one Bulk queryAll job; raises BulkJobError before any page when
    the job does not complete (the caller reads through REST instead)."""
    paths = select_list(stream.fields)
    soql = bulk_query(
        stream.object, stream.fields, where=stream.where, until=until,
        require_field=stream.require_field,
    )  # fmt: skip
    context = CallContext(stream.object, tuple(stream.fields))
    job = door.call(
        lambda sf: _client(sf, stream.object).create_job(Operation.query_all, query=soql), context
    )
    _wait(door, stream.object, str(job["id"]), is_query=True, options=options, sleep=sleep)
    locator, last = "", None
    while True:
        answer = door.call(partial(_results, stream.object, str(job["id"]), locator), context)
        records, deleted = _typed_rows(answer["records"], paths, types)
        for record in (*records, *deleted):
            position = (record[RECORD_MODSTAMP], str(record[RECORD_ID]))
            last = position if last is None or position > last else last
        locator = answer["locator"]
        if not locator:
            yield PulledPage(records, deleted, Position(*last) if last else None)
            return
        yield PulledPage(records, deleted, None)


def _results(object_name: str, job_id: str, locator: str, sf: Salesforce) -> Any:
    return _client(sf, object_name).get_query_results(job_id, locator, QUERY_SET)


def _ingest_results(object_name: str, job_id: str, which: str, sf: Salesforce) -> str:
    return str(_client(sf, object_name).get_ingest_results(job_id, which))


def _wait(
    door: Door, object_name: str, job_id: str, *, is_query: bool, options: BulkOptions, sleep: Sleep
) -> None:
    """Poll until JobComplete; abort and raise BulkJobError on Failed, Aborted or timeout."""
    context = CallContext(object_name)
    waited = 0.0  # the time slept between polls (the injected sleep may be a test's)
    while True:
        info = door.call(lambda sf: _client(sf, object_name).get_job(job_id, is_query), context)
        state = info.get("state")
        if state == JobState.job_complete:
            return
        if state in {JobState.failed, JobState.aborted}:
            raise BulkJobError(f"Bulk job {job_id} {state}: {info.get('errorMessage') or ''}")
        if waited >= options.wait_seconds:
            door.call(lambda sf: _client(sf, object_name).abort_job(job_id, is_query), context)
            raise BulkJobError(f"Bulk job {job_id} still {state} after {options.wait_seconds}s")
        sleep(options.poll_seconds)
        waited += options.poll_seconds


def _typed_rows(
    text: str, paths: Sequence[str], types: Mapping[str, FieldInfo | None]
) -> tuple[list[FlatRecord], list[FlatRecord]]:
    records: list[FlatRecord] = []
    deleted: list[FlatRecord] = []
    for row in csv.DictReader(io.StringIO(text)):
        lowered = {k.lower(): v for k, v in row.items()}
        flat: FlatRecord = {p: _value(lowered.get(p.lower(), ""), types.get(p)) for p in paths}
        flat["SystemModstamp"] = _stamp_text(str(flat["SystemModstamp"]))
        flat[RECORD_ID] = str(flat["Id"])
        flat[RECORD_MODSTAMP] = parse_modstamp(str(flat["SystemModstamp"]))
        (deleted if flat.get("IsDeleted") else records).append(flat)
    return records, deleted


def _value(text: str, info: FieldInfo | None) -> Any:
    """A CSV cell as REST's JSON has it: empty is null, numbers and booleans typed."""
    if text == "":
        return None
    kind = info.type if info is not None else "string"
    if kind in _NUMBERS:
        return float(text)
    if kind == "int":
        return int(float(text))
    if kind in {"boolean", "bool"}:
        return text.lower() == "true"
    if kind == "datetime":
        return _stamp_text(text)
    return text


def _stamp_text(text: str) -> str:
    """Bulk writes datetimes as `...000Z`, REST as `...000+0000`: the REST form."""
    match = _ZULU.match(text)
    return f"{match.group(1)}+0000" if match else text


def field_types(
    describe: Callable[[str], Mapping[str, FieldInfo]], stream: Stream
) -> dict[str, FieldInfo | None]:
    """Each selected path's field, through its parent for a dotted path."""
    own = describe(stream.object)
    found: dict[str, FieldInfo | None] = {}
    for path in select_list(stream.fields):
        head, _, rest = path.partition(".")
        if not rest:
            found[path] = _field(own, head)
            continue
        lookup = parent_through(own, head)
        parent = describe(lookup.reference_to[0]) if lookup and lookup.reference_to else {}
        found[path] = _field(parent, rest)
    return found


def _field(fields: Mapping[str, FieldInfo], name: str) -> FieldInfo | None:
    return next((f for n, f in fields.items() if n.lower() == name.lower()), None)


# ---- writes ---------------------------------------------------------------------------------


def upsert(
    door: Door,
    object_name: str,
    *,
    key_field: str,
    records: Sequence[FlatRecord],
    options: BulkOptions,
    sleep: Sleep,
) -> dict[int, WriteOutcome]:
    """One upsert ingest job (or, with `key_field` "Id", an update by record id); the
    outcome of each record it processed, by input index.

    Records missing from the answer (unprocessed, or the whole job when it failed or hung)
    are absent: the caller writes them through REST."""
    context = CallContext(object_name)
    by_id = key_field == "Id"
    names = list(dict.fromkeys(k for r in records for k in r if k != "attributes"))
    if key_field not in names:
        names.insert(0, key_field)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([[_cell(r.get(n, None), n in r) for n in names] for r in records])
    operation = Operation.update if by_id else Operation.upsert
    external = None if by_id else key_field
    job = door.call(
        lambda sf: _client(sf, object_name).create_job(operation, external_id_field=external),
        context,
    )
    job_id = str(job["id"])
    door.call(lambda sf: _client(sf, object_name).upload_job_data(job_id, out.getvalue()), context)
    door.call(lambda sf: _client(sf, object_name).close_job(job_id), context)
    try:
        _wait(door, object_name, job_id, is_query=False, options=options, sleep=sleep)
    except BulkJobError as error:
        log.warning("salesforce.bulk_job_incomplete", object=object_name, error=str(error))
    index = {str(r.get(key_field)): i for i, r in enumerate(records)}
    found: dict[int, WriteOutcome] = {}
    for which, ok in (("successfulResults", True), ("failedResults", False)):
        text = door.call(partial(_ingest_results, object_name, job_id, which), context)
        for row in csv.DictReader(io.StringIO(text)):
            at = index.get(row.get(key_field, ""))
            if at is None:
                continue
            if ok:
                created = row.get("sf__Created", "").lower() == "true"
                found[at] = WriteOutcome(True, row.get("sf__Id") or None, created)
            else:
                code, _, message = (row.get("sf__Error") or "UNKNOWN:").partition(":")
                found[at] = WriteOutcome(False, None, False, code, message)
    return found


def _cell(value: Any, given: bool) -> str:
    if not given:
        return ""  # not in this record: left as it is
    if value is None or value == "":
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
