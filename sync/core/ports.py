"""The small port every CRM adapter implements; the pipeline knows nothing else of a CRM.

Adapters speak in CRM-native names (objects, fields, filters) handed to them from the
mapping, and in flat records: `{"Id": ..., "Account.Name": ...}` for Salesforce parent
fields, `{"id": ..., "<property>": ...}` for HubSpot. They never interpret a field: the
mapping does. What they own is the wire: paging, batching, retries, limits, errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mappings.described import ObjectInfo
from mappings.streams import Stream

FlatRecord = dict[str, Any]

RECORD_ID = "__id"
"""Key every pulled record carries: its CRM id as text (besides the CRM's own id field)."""
RECORD_MODSTAMP = "__modstamp"
"""Key every pulled record carries: its last-modified stamp as an aware UTC datetime."""
ASSOCIATIONS = "__associations"
"""Key of a record to write: associations to create, [{to_object, to_id, type_id}] (HubSpot)."""


@dataclass(frozen=True, slots=True)
class Position:
    """A keyset position in a stream: (modstamp, id), compared in that order."""

    modstamp: datetime
    record_id: str


@dataclass(frozen=True, slots=True)
class PulledPage:
    """Records of one page, in (modstamp, id) order, and the position of the last one.

    Every record, live or deleted, carries RECORD_ID and RECORD_MODSTAMP next to its fields,
    so the pipeline can store it without knowing the CRM's id and timestamp field names.
    """

    records: list[FlatRecord]
    deleted: list[FlatRecord]
    last: Position | None


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What the CRM said about one record of a batch write (same order as the input)."""

    ok: bool
    record_id: str | None = None
    created: bool = False
    error_code: str | None = None
    error_message: str | None = None
    error_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PipelineStage:
    """One stage of a CRM pipeline and what it means for an order, by the CRM's own metadata
    (HubSpot: the stage's isClosed and probability)."""

    pipeline_id: str
    pipeline_label: str
    stage_id: str
    stage_label: str
    status: str  # an OrderStatus value: open | closed_won | closed_lost


@dataclass(frozen=True, slots=True)
class ApiUsage:
    """The daily allowance as the CRM last reported it."""

    used: int
    limit: int

    def share(self) -> float:
        return self.used / self.limit if self.limit else 0.0


class CrmPort(Protocol):
    """What the pipeline needs of a CRM."""

    name: str  # "salesforce" | "hubspot"
    batch_size: int  # records per write call the CRM allows (200 / 100)
    key_length: int  # characters the service's key fields hold (80 / 65,536)
    stamp_ties: bool
    """True when the CRM stamps changes to the second (Salesforce's SystemModstamp): a
    record changed in the second a read ended can sort before the cursor's id
    (`sync.state.cursors.Cursor.next_read`). HubSpot stamps to the millisecond."""
    volatile_fields: frozenset[str]
    """Fields the CRM moves on every write, whoever makes it (Salesforce's SystemModstamp,
    HubSpot's hs_lastmodifieddate): never news on their own (sync/pipeline/news.py)."""
    bulk_write_threshold: int
    """More changed records of one kind than this go out in `bulk_batch_size` batches (one
    Bulk job each, Salesforce); 0: always `batch_size`."""
    bulk_batch_size: int
    write_concurrency: int
    """Write calls the pipeline may have in flight at once, never two for one account
    (Salesforce locks the parent account of what it writes); 1: one after another."""

    def pull(self, stream: Stream, since: Position | None, until: datetime) -> Iterator[PulledPage]:
        """Records changed after `since` up to `until`, deletions included.

        Pages are in (modstamp, id) order; records strictly after `since` when it is given,
        or at and after its stamp when its record id is empty (the caller's lookback).
        """
        ...

    def upsert(
        self, object_name: str, key_field: str, records: Sequence[FlatRecord]
    ) -> list[WriteOutcome]:
        """Create-or-update by an external-id / unique field; batches as the CRM allows."""
        ...

    def update(self, object_name: str, records: Sequence[FlatRecord]) -> list[WriteOutcome]:
        """Update existing records by their CRM id, given under RECORD_ID in each record."""
        ...

    def delete(self, object_name: str, record_ids: Sequence[str]) -> list[WriteOutcome]:
        """Delete records by CRM id (stale renewal lines); an already deleted one is ok."""
        ...

    def describe(self, objects: Iterable[str]) -> dict[str, ObjectInfo]:
        """The CRM-neutral description of these objects (missing objects are left out)."""
        ...

    def usage(self) -> ApiUsage | None:
        """The daily allowance, as last seen (None until the first call)."""
        ...

    def rolled_up(self, parent: str, child: str) -> frozenset[str]:
        """Fields of `parent` the CRM itself computes from its `child` records once it has
        any (Salesforce: Opportunity.Amount, the sum of its OpportunityLineItems); writes
        to them are ignored, and their value is never a person's edit."""
        ...

    def stages(self, object_name: str) -> tuple[PipelineStage, ...]:
        """Every pipeline stage of `object_name` with its meaning, read from the CRM (one
        call on HubSpot); () where stage meaning is not CRM metadata (Salesforce: the
        mapping's `values` say which StageName is won)."""
        ...

    @property
    def calls(self) -> int:
        """API calls this adapter has made since it was built."""
        ...


class CrmError(Exception):
    """A call-level failure the adapter could not absorb; `code` is a key of sync.core.failures."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class DeferRunError(CrmError):
    """The daily allowance (or its configured share) is used up: end the run as deferred."""


class SchemaDriftError(CrmError):
    """A mapped object or field is missing or changed in the CRM: skip what depends on it."""

    def __init__(self, code: str, message: str, *, object_name: str, field_name: str | None):
        super().__init__(code, message)
        self.object_name = object_name
        self.field_name = field_name


class CrmUnavailableError(CrmError):
    """Transient failures outlasted the retries; the run fails and the next one retries."""


class AuthenticationError(CrmError):
    """Credentials were refused (after one re-authentication): a configuration problem."""
