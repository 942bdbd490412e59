"""SalesforceAdapter: the CrmPort over one Door, and the factory that builds it from Settings."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import partial
from typing import Any

import requests

from mappings.described import ObjectInfo
from mappings.streams import Stream
from sync.connectors.retry import RetryPolicy
from sync.connectors.salesforce import bulk as bulking
from sync.connectors.salesforce import describe as describing
from sync.connectors.salesforce import pull as pulling
from sync.connectors.salesforce import write as writing
from sync.connectors.salesforce.auth import authenticator_for
from sync.connectors.salesforce.bulk import BulkOptions
from sync.connectors.salesforce.errors import CallContext
from sync.connectors.salesforce.session import TIMEOUT, Door, Sleep
from sync.connectors.salesforce.soql import PAGE_LIMIT, InvalidNameError
from sync.core.logs import get_logger
from sync.core.ports import (
    RECORD_ID,
    ApiUsage,
    FlatRecord,
    PipelineStage,
    Position,
    PulledPage,
    SchemaDriftError,
    WriteOutcome,
)
from sync.settings import Settings

log = get_logger("renewal_sync.salesforce")
ROLLED_UP = {("opportunity", "opportunitylineitem"): frozenset({"Amount"})}


class SalesforceAdapter:
    """Salesforce behind the port: keyset pulls, collection writes, describe, usage.

    A name from the mapping that is not a Salesforce API name is refused before any call,
    as the SchemaDriftError the org itself would have answered (INVALID_FIELD / INVALID_TYPE /
    MALFORMED_QUERY), so the pipeline skips what depends on it in the same way.
    """

    name = "salesforce"
    batch_size = writing.COLLECTION_SIZE
    key_length = 80  # Renewal_Sync_Key__c is Text(80) in the shipped metadata (salesforce/)
    stamp_ties = True  # SystemModstamp is to the second (its milliseconds are always .000)
    volatile_fields = frozenset({"SystemModstamp", "LastModifiedDate", "LastModifiedById"})
    bulk_batch_size = 10_000  # records per Bulk ingest job (Salesforce splits at 10,000)

    def __init__(
        self,
        door: Door,
        bulk: BulkOptions | None = None,
        sleep: Sleep = time.sleep,
        *,
        write_concurrency: int = 1,
    ) -> None:
        self.door = door
        self.write_concurrency = write_concurrency
        self.bulk = bulk or BulkOptions()
        self.bulk_write_threshold = self.bulk.write_threshold
        self._sleep = sleep
        self._described: dict[str, dict[str, Any]] = {}

    def pull(self, stream: Stream, since: Position | None, until: datetime) -> Iterator[PulledPage]:
        try:
            pages = pulling.pull_pages(self.door, stream, since, until)
            if since is not None or not self.bulk.pull_threshold:
                yield from pages
                return
            # A complete read: its first REST page says whether the stream is large at no
            # extra cost; only a full page asks COUNT() whether Bulk is worth a job.
            first = next(pages, None)
            if first is None:
                return
            yield first
            full = min(PAGE_LIMIT - 1, self.bulk.pull_threshold)
            if len(first.records) + len(first.deleted) < full:
                return
            bulk = self._bulk_pages(stream, until)
            yield from pages if bulk is None else bulk
        except InvalidNameError as error:
            raise _drift(error, stream.object) from None

    def _bulk_pages(self, stream: Stream, until: datetime) -> Iterator[PulledPage] | None:
        """A complete read of a large stream as a Bulk job: its pages, already started; None
        when the stream is small or the job did not complete (read through REST)."""
        rows = bulking.count(self.door, stream, until)
        if rows < self.bulk.pull_threshold:
            return None
        types = bulking.field_types(self._fields, stream)
        pages = bulking.query_pages(
            self.door, stream, until=until, types=types, options=self.bulk, sleep=self._sleep
        )
        try:
            first = next(pages)
        except bulking.BulkJobError as error:
            log.warning("salesforce.bulk_read_fell_back", object=stream.object, error=str(error))
            return None
        except StopIteration:
            return iter(())
        return itertools.chain([first], pages)

    def _fields(self, object_name: str) -> Any:
        if object_name not in self._described:
            found = describing.describe(self.door, [object_name])
            self._described[object_name] = dict(found[object_name].fields) if found else {}
        return self._described[object_name]

    def upsert(
        self, object_name: str, key_field: str, records: Sequence[FlatRecord]
    ) -> list[WriteOutcome]:
        try:
            if self.bulk.write_threshold and len(records) > self.bulk.write_threshold:
                rest = partial(_rest_upsert, key_field=key_field)
                return self._bulk_write(object_name, key_field, records, rest=rest)
            return writing.upsert(self.door, object_name, key_field, records)
        except InvalidNameError as error:
            raise _drift(error, object_name) from None

    def _bulk_write(
        self,
        object_name: str,
        key_field: str,
        records: Sequence[FlatRecord],
        *,
        rest: RestWrite,
    ) -> list[WriteOutcome]:
        """One ingest job (an upsert by `key_field`, or an update by "Id"); what it did not
        process goes through REST collections."""
        done = bulking.upsert(
            self.door, object_name, key_field=key_field, records=records, options=self.bulk,
            sleep=self._sleep,
        )  # fmt: skip
        left = [i for i in range(len(records)) if i not in done]
        if left:
            log.warning("salesforce.bulk_write_fell_back", object=object_name, records=len(left))
            again = rest(self.door, object_name, [records[i] for i in left])
            done |= dict(zip(left, again, strict=True))
        return [done[i] for i in range(len(records))]

    def update(self, object_name: str, records: Sequence[FlatRecord]) -> list[WriteOutcome]:
        try:
            if self.bulk.write_threshold and len(records) > self.bulk.write_threshold:
                by_id = [
                    {("Id" if k == RECORD_ID else k): v for k, v in r.items()} for r in records
                ]
                return self._bulk_write(object_name, "Id", by_id, rest=writing.update)
            return writing.update(self.door, object_name, records)
        except InvalidNameError as error:
            raise _drift(error, object_name) from None

    def delete(self, object_name: str, record_ids: Sequence[str]) -> list[WriteOutcome]:
        try:
            return writing.delete(self.door, object_name, record_ids)
        except InvalidNameError as error:
            raise _drift(error, object_name) from None

    def describe(self, objects: Iterable[str]) -> dict[str, ObjectInfo]:
        try:
            return describing.describe(self.door, objects)
        except InvalidNameError as error:
            raise _drift(error, str(error.name)) from None

    def usage(self) -> ApiUsage | None:
        return self.door.last_usage

    def stages(self, object_name: str) -> tuple[PipelineStage, ...]:
        """None read: which StageName is won or lost is the mapping's `values` (the default
        mapping names Closed Won and Closed Lost)."""
        return ()

    def rolled_up(self, parent: str, child: str) -> frozenset[str]:
        """Opportunity.Amount is the sum of the line items' TotalPrice once there are any,
        and a write to it is then ignored (the org's roll-up; docs/sandbox-salesforce.md,
        "Opportunity.Amount roll-up")."""
        return ROLLED_UP.get((parent.lower(), child.lower()), frozenset())

    @property
    def calls(self) -> int:
        return self.door.calls


RestWrite = Callable[[Door, str, Sequence[FlatRecord]], list[WriteOutcome]]


def _with_id(record: FlatRecord) -> FlatRecord:
    """A record to update by id, its id under "Id" (the column an update job matches on)."""
    return {("Id" if k == RECORD_ID else k): v for k, v in record.items()}


def _rest_upsert(
    door: Door, object_name: str, records: Sequence[FlatRecord], *, key_field: str
) -> list[WriteOutcome]:
    return writing.upsert(door, object_name, key_field, records)


def _drift(error: InvalidNameError, object_name: str) -> SchemaDriftError:
    return SchemaDriftError(error.code, str(error), object_name=object_name, field_name=error.name)


def connect_salesforce(
    settings: Settings,
    *,
    session: requests.Session | None = None,
    sleep: Sleep = time.sleep,
    policy: RetryPolicy | None = None,
) -> SalesforceAdapter:
    """Log in now, so refused credentials fail before the run does any work.

    JWT bearer and client credentials are checked by the token endpoint itself. A given token
    is checked with one call to `/limits` (it also tells the budget where the day stands).
    """
    bulk = BulkOptions(
        pull_threshold=settings.bulk_pull_threshold,
        write_threshold=settings.bulk_write_threshold,
        wait_seconds=settings.bulk_wait_seconds,
    )
    door = Door(
        authenticator_for(settings),
        session=session or requests.Session(),
        version=settings.sf_api_version,
        budget_share=settings.api_budget_share,
        policy=policy,
        sleep=sleep,
    )
    if not door.auth.renewable:
        door.call(lambda sf: sf.restful("limits", timeout=TIMEOUT), CallContext("limits"))
    return SalesforceAdapter(door, bulk, sleep, write_concurrency=settings.write_concurrency)
