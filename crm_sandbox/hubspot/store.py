"""Records of the emulated portal, one store per object type, with unique-value indexes.

Ids are HubSpot-style numeric strings handed out in creation order from one portal counter, so
`hs_object_id GT <last id>` paging works as on a real portal. Every write stamps
`hs_lastmodifieddate` (and `updatedAt`) from the SandboxClock at millisecond precision, and
recomputes the values HubSpot calculates itself (`hs_is_closed`, line item `amount`,
`time_to_close`...). Archived records leave the unique indexes, as in HubSpot, so the same
`renewal_sync_key` can be used again after an archive.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from crm_sandbox.hubspot.schema import (
    ObjectSchema,
    PortalSchema,
    Stage,
    format_decimal,
    iso_ms,
    parse_moment,
)

FIRST_ID = 10_000_000_001


@dataclass(slots=True)
class Record:
    id: int
    props: dict[str, str]
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    archived_at: datetime | None = None

    def to_json(self, names: list[str] | None) -> dict[str, object]:
        """SimplePublicObject: requested properties (null when unset), timestamps, archived."""
        props = self.props if names is None else {n: self.props.get(n) for n in names}
        body: dict[str, object] = {
            "id": str(self.id),
            "properties": props,
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "archived": self.archived,
        }
        if self.archived_at is not None:
            body["archivedAt"] = iso_ms(self.archived_at)
        return body


StageOf = Callable[[str, str], Stage | None]  # (pipeline, stage id) -> the stage


def _no_stage(pipeline: str, stage_id: str) -> Stage | None:
    return None


@dataclass(slots=True)
class ObjectStore:
    schema: ObjectSchema
    next_id: Callable[[], int]
    stage_of: StageOf = _no_stage
    records: dict[int, Record] = field(default_factory=dict)
    unique: dict[str, dict[str, int]] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)
    version: int = 0

    def get(self, record_id: str | int, *, archived: bool = False) -> Record | None:
        try:
            record = self.records.get(int(record_id))
        except ValueError:
            return None
        if record is None or record.archived != archived:
            return None
        return record

    def by_unique(self, prop: str, value: str) -> Record | None:
        record_id = self.unique.get(prop, {}).get(value)
        return None if record_id is None else self.records[record_id]

    def conflicts(
        self, props: Mapping[str, str | None], own_id: int | None
    ) -> list[tuple[str, str, int]]:
        """(property, value, existing id) for each unique value another live record holds."""
        found = []
        for name in self.schema.unique_properties:
            value = props.get(name)
            holder = self.unique.get(name, {}).get(value) if value is not None else None
            if holder is not None and holder != own_id:
                found.append((name, value or "", holder))
        return found

    def insert(
        self, props: Mapping[str, str | None], now: datetime, record_id: int | None = None
    ) -> Record:
        rid = record_id if record_id is not None else self.next_id()
        record = Record(rid, {}, now, now)
        created = props.get(self.schema.created)
        if created is not None:
            record.created_at = parse_moment(created) or now
        self.records[rid] = record
        if self.ids and rid < self.ids[-1]:
            bisect.insort(self.ids, rid)
        else:
            self.ids.append(rid)
        self.apply(record, {**props, self.schema.created: iso_ms(record.created_at)}, now)
        return record

    def apply(self, record: Record, props: Mapping[str, str | None], now: datetime) -> None:
        """Write validated values; None clears. Stamps hs_lastmodifieddate and derived values."""
        self._unindex(record)
        self.version += 1
        for name, value in props.items():
            if value is None:
                record.props.pop(name, None)
            else:
                record.props[name] = value
        record.updated_at = now
        record.props["hs_object_id"] = str(record.id)
        record.props["hs_lastmodifieddate"] = iso_ms(now)
        derive(self.schema.name, record.props, self.stage_of)
        self._index(record)

    def archive(self, record: Record, now: datetime) -> None:
        self._unindex(record)
        self.version += 1
        record.archived = True
        record.archived_at = now
        record.updated_at = now

    def after(self, cursor: int, *, archived: bool) -> Iterator[Record]:
        """Records with id > cursor in id order: list paging without scanning from the start."""
        ids = self.ids
        for index in range(bisect.bisect_right(ids, cursor), len(ids)):
            record = self.records[ids[index]]
            if record.archived == archived:
                yield record

    def live(self) -> Iterator[Record]:
        return (r for r in self.records.values() if not r.archived)

    def archived(self) -> Iterator[Record]:
        return (r for r in self.records.values() if r.archived)

    def _index(self, record: Record) -> None:
        if record.archived:
            return
        for name in self.schema.unique_properties:
            value = record.props.get(name)
            if value is not None:
                self.unique.setdefault(name, {})[value] = record.id

    def _unindex(self, record: Record) -> None:
        for name in self.schema.unique_properties:
            value = record.props.get(name)
            if value is not None and self.unique.get(name, {}).get(value) == record.id:
                del self.unique[name][value]


class Portal:
    """All object stores of one sandbox, sharing the id counter and one lock."""

    def __init__(self, schema: PortalSchema) -> None:
        self.lock = threading.RLock()
        self.schema = schema
        self._ids = itertools.count(FIRST_ID)
        self.stores = {
            name: ObjectStore(obj, self._next_id, self._stages(name))
            for name, obj in schema.objects.items()
        }

    def _stages(self, object_type: str) -> StageOf:
        return lambda pipeline, stage_id: self.schema.stage(object_type, pipeline, stage_id)

    def _next_id(self) -> int:
        return next(self._ids)


# ---- values HubSpot calculates ------------------------------------------------------------


def derive(object_type: str, props: dict[str, str], stage_of: StageOf = _no_stage) -> None:
    if object_type == "deals":
        _deal(props, stage_of)
        return
    deriver = _DERIVERS.get(object_type)
    if deriver is not None:
        deriver(props)


def _deal(props: dict[str, str], stage_of: StageOf) -> None:
    """hs_is_closed and hs_is_closed_won follow the stage's metadata in the deal's pipeline
    (a deal without a pipeline is in `default`)."""
    stage = stage_of(props.get("pipeline") or "default", props.get("dealstage", ""))
    closed = stage is not None and stage.closed
    props["hs_is_closed"] = "true" if closed else "false"
    props["hs_is_closed_won"] = "true" if closed and stage is not None and stage.won else "false"


_PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "per_six_months": 6, "annually": 12,
                  "per_two_years": 24, "per_three_years": 36, "per_four_years": 48,
                  "per_five_years": 60}  # fmt: skip
_TERM = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?")


def _line_item(props: dict[str, str]) -> None:
    """amount = quantity x (price - unit discount) x (1 - discount % / 100), as HubSpot shows
    it; hs_tcv (total contract value) = amount x the billing periods in the term
    (`hs_recurring_billing_period`, P#M), or the amount itself for a one-time item or a
    recurring one without a term."""
    if "price" not in props:
        return
    unit = Decimal(props["price"]) - Decimal(props.get("discount", "0"))
    share = 1 - Decimal(props.get("hs_discount_percentage", "0")) / 100
    amount = Decimal(props.get("quantity", "1")) * unit * share
    props["amount"] = format_decimal(amount.quantize(Decimal("0.01")))
    period = _PERIOD_MONTHS.get(props.get("recurringbillingfrequency", ""))
    term = _TERM.fullmatch(props.get("hs_recurring_billing_period", "") or "-")
    periods = Decimal(1)
    if period and term and any(term.groups()):
        months = 12 * int(term.group(1) or 0) + int(term.group(2) or 0)
        periods = Decimal(months) / period
    props["hs_tcv"] = format_decimal((amount * periods).quantize(Decimal("0.01")))


def _ticket(props: dict[str, str]) -> None:
    closed = props.get("hs_pipeline_stage") == "4"
    props["hs_is_closed"] = "true" if closed else "false"
    opened = parse_moment(props.get("createdate", ""))
    finished = parse_moment(props.get("closed_date", "")) if closed else None
    if opened is not None and finished is not None:
        props["time_to_close"] = str(int((finished - opened).total_seconds() * 1000))
    else:
        props.pop("time_to_close", None)


def _task(props: dict[str, str]) -> None:
    if props.get("hs_task_status") == "COMPLETED":
        props.setdefault("hs_task_completion_date", props["hs_lastmodifieddate"])
    else:
        props.pop("hs_task_completion_date", None)


_DERIVERS: dict[str, Callable[[dict[str, str]], None]] = {
    "line_items": _line_item,
    "tickets": _ticket,
    "tasks": _task,
}
