"""HubSpotAdapter: the CrmPort over one Door, and the factory that builds it from Settings.

Pulls go through search (see `search`), except owners and deleted records (see `lists`);
pages are associated in groups of up to 1,000 records (one v4 batch read per association
type and group, see `associations`) and then yielded in order. Writes are batch upserts /
updates / archives of 100 (see `write`); the pipeline hands over up to `batch_size` (1,000)
records a write call so their associations go in one v4 batch create per type. Describe
reads the properties API (see `describe`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from mappings.described import ObjectInfo
from mappings.properties import PropertySpec
from mappings.streams import Stream
from sync.connectors.hubspot import associations
from sync.connectors.hubspot import describe as describing
from sync.connectors.hubspot import write as writing
from sync.connectors.hubspot.auth import access_token, verify
from sync.connectors.hubspot.door import Door, Monotonic, Sleep, build_client
from sync.connectors.hubspot.lists import archived_records, owner_pages
from sync.connectors.hubspot.pipelines import pipeline_stages
from sync.connectors.hubspot.search import order, search_pages
from sync.connectors.retry import RetryPolicy
from sync.core.ports import (
    ApiUsage,
    FlatRecord,
    PipelineStage,
    Position,
    PulledPage,
    WriteOutcome,
)
from sync.settings import Settings

OWNERS = "owners"
ASSOCIATION_PREFIX = "@associations."
GROUP_MIN_CALLS = 1000  # calls of the allowance left for pull pages to be grouped


class HubSpotAdapter:
    """HubSpot behind the port: keyset pulls over search, batch writes, describe, usage.

    `read_archived` lists archived records on incremental pulls to report deletions: HubSpot
    has no modified-since filter and no sort on that list, so it costs ceil(archived records
    still restorable (90 days) / 100) calls, at least one, per object and incremental pull;
    turn it off to save those calls when deletions do not matter.

    Pull pages are held back until up to 1,000 records share one association read per type
    (five search pages for one call per type instead of five). Held pages are not yet
    checkpointed, so a run stopped mid-group (the daily allowance spent) has paid for reads it
    must repeat: unless `group_pages` says otherwise, pages are grouped only while at least
    GROUP_MIN_CALLS calls of the run's share of the daily allowance are left, and associated
    page by page when the allowance is that tight.
    """

    name = "hubspot"
    # Records per write call from the pipeline (its unit of books and checkpoints), not the
    # API's 100 a call: the adapter splits them into upserts of 100 and creates their links
    # together, so 1,000 records with one link per type cost 10 upserts + 1 create per type.
    batch_size = writing.CALL
    key_length = 65_536  # a text property holds 65,536 characters (Property field types)
    stamp_ties = False  # hs_lastmodifieddate / updatedAt carry milliseconds
    volatile_fields = frozenset(
        {"hs_lastmodifieddate", "updatedAt", "hs_all_accessible_team_ids",
         "hs_object_source_detail_1"}
    )  # fmt: skip
    bulk_write_threshold = 0  # HubSpot has no bulk job API for these objects: batches of 100
    bulk_batch_size = writing.CALL
    write_concurrency = (
        1  # the ten-second window and the door's pacing bound it, not calls in flight
    )

    def __init__(
        self, door: Door, *, read_archived: bool = True, group_pages: bool | None = None
    ) -> None:
        self.door = door
        self.read_archived = read_archived
        self.group_pages = group_pages

    def pull(self, stream: Stream, since: Position | None, until: datetime) -> Iterator[PulledPage]:
        if stream.object == OWNERS:
            pages = owner_pages(self.door, stream, since, until)
        else:
            pages = search_pages(self.door, stream, since, until)
        last: Position | None = None
        for records in self._with_associations(stream, pages):
            last = _position(records[-1])
            yield PulledPage(records, [], last)
        if since is not None and self.read_archived and stream.object != OWNERS:
            deleted = archived_records(self.door, stream.object, since, until)
            if deleted:
                newest = _position(deleted[-1])
                yield PulledPage(
                    [], deleted, newest if last is None else max(last, newest, key=_key)
                )

    def _with_associations(
        self, stream: Stream, pages: Iterable[list[FlatRecord]]
    ) -> Iterator[list[FlatRecord]]:
        """The pages, in order, each record with its associated ids.

        Pages are held back until the next one would take the group past one batch read
        (1,000 ids), then the whole group is associated with one call per association type
        and yielded: five search pages of 200 cost one read per type instead of five. A
        stream without associations, or a pull under a tight allowance (see the class doc),
        passes its pages through one by one."""
        if not stream.associations or not self._grouping():
            for records in pages:
                self._associate(stream, records)
                yield records
            return
        held: list[list[FlatRecord]] = []
        count = 0
        for records in pages:
            if held and count + len(records) > associations.READ_BATCH:
                self._associate(stream, [r for page in held for r in page])
                yield from held
                held, count = [], 0
            held.append(records)
            count += len(records)
        if held:
            self._associate(stream, [r for page in held for r in page])
            yield from held

    def _grouping(self) -> bool:
        if self.group_pages is not None:
            return self.group_pages
        usage = self.door.last_usage
        if usage is None:
            return True
        return usage.limit * self.door.budget_share - usage.used >= GROUP_MIN_CALLS

    def _associate(self, stream: Stream, records: list[FlatRecord]) -> None:
        ids = list(dict.fromkeys(str(r["id"]) for r in records))
        for to_object in stream.associations:
            found = associations.read_ids(self.door, stream.object, ids, to_object)
            for record in records:
                record[f"{ASSOCIATION_PREFIX}{to_object}"] = found.get(str(record["id"]), [])

    def upsert(
        self, object_name: str, key_field: str, records: Sequence[FlatRecord]
    ) -> list[WriteOutcome]:
        return writing.upsert(self.door, object_name, key_field, records)

    def update(self, object_name: str, records: Sequence[FlatRecord]) -> list[WriteOutcome]:
        return writing.update(self.door, object_name, records)

    def delete(self, object_name: str, record_ids: Sequence[str]) -> list[WriteOutcome]:
        return writing.delete(self.door, object_name, record_ids)

    def describe(self, objects: Iterable[str]) -> dict[str, ObjectInfo]:
        return describing.describe(self.door, objects)

    def create_property(self, spec: PropertySpec) -> None:
        """Create a missing custom property (`doctor --fix`), in the renewal_sync group."""
        describing.ensure_group(self.door, spec.object)
        describing.create_property(self.door, spec)

    def usage(self) -> ApiUsage | None:
        return self.door.last_usage

    def stages(self, object_name: str) -> tuple[PipelineStage, ...]:
        return pipeline_stages(self.door, object_name)

    def rolled_up(self, parent: str, child: str) -> frozenset[str]:
        """None that the service writes: a deal's `amount` stays what the API sets (only the
        line items editor in HubSpot's UI may recompute it, by a portal setting), and the
        amounts HubSpot derives from line items (hs_tcv, hs_acv, hs_arr) are read-only."""
        return frozenset()

    @property
    def calls(self) -> int:
        return self.door.calls


def _position(record: FlatRecord) -> Position:
    stamp, record_id = order(record)
    return Position(stamp, str(record_id))


def _key(position: Position) -> tuple[datetime, int]:
    return position.modstamp, int(position.record_id)


def connect_hubspot(
    settings: Settings,
    *,
    sleep: Sleep = time.sleep,
    policy: RetryPolicy | None = None,
    monotonic: Monotonic = time.monotonic,
) -> HubSpotAdapter:
    """Build the client and check the token now, so a refused one fails before any work."""
    client = build_client(access_token(settings), settings.hubspot_api_host)
    door = Door(
        client,
        ten_second_limit=settings.hubspot_ten_second_limit,
        search_per_second=settings.hubspot_search_per_second,
        budget_share=settings.api_budget_share,
        policy=policy,
        sleep=sleep,
        monotonic=monotonic,
        rate_limit_budget=settings.hubspot_rate_limit_budget_seconds,
    )
    verify(door)
    return HubSpotAdapter(door)
