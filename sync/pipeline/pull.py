"""Pull: every stream of the mapping into the mirror, page by page, cursor with the data.

Cursor rule (see sync.state.cursors): the read starts strictly after the committed
(modstamp, id), or, when that lies within a lookback of the latest read's `until`, at that
late-record window, inclusive; pages come in (modstamp, id) order; each page and its cursor
are stored in one transaction; the cursor never passes the run's start (`until`). Re-read
rows are harmless (the mirror never goes back in time) and are no news: only records that
changed, and not merely by the service's own write, touch an account (sync.pipeline.news).

A mapped field the CRM no longer has (schema drift) costs only what depends on it: the
mapping is narrowed (`DriftPlan.without`), the stream is read again without the field, and
the admin gets one error naming the field; an essential field skips its concept.
"""

from __future__ import annotations

from collections.abc import Mapping as Map
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from mappings import Mapping, plan_drift
from mappings.streams import Stream, streams
from sync.core.logs import get_logger
from sync.core.ports import (
    RECORD_ID,
    RECORD_MODSTAMP,
    Position,
    PulledPage,
    SchemaDriftError,
)
from sync.pipeline.context import RunContext
from sync.pipeline.news import no_news
from sync.pipeline.partition import placed, placement
from sync.state import Cursor, MirrorRecord, RecordFailure, Stage

log = get_logger("renewal_sync.pull")
_MAX_DRIFT_RETRIES = 5
_MARKERS = (RECORD_ID, RECORD_MODSTAMP)


@dataclass
class PullOutcome:
    """What the pull changed: record ids per stream, concepts skipped by drift, and the
    mapping the rest of the run must use (narrowed when a mapped field has gone)."""

    mapping: Mapping
    touched: dict[str, set[str]] = field(default_factory=dict)
    """Per stream, the records that are news (they make an incremental run evaluate)."""
    seen: dict[str, set[str]] = field(default_factory=dict)
    """Per stream, every record the read returned (news or not); kept by complete reads
    only (reconciliation marks what they did not return as gone)."""
    news_ids: bool = True
    """False when the run evaluates everything anyway: `touched` then only says whether a
    stream had news (one id), instead of holding an id per record of the org."""
    skipped: dict[str, str] = field(default_factory=dict)


def pull_all(
    ctx: RunContext, only: frozenset[str] | None = None, *, news_ids: bool = True
) -> PullOutcome:
    """Pull every stream (or those named in `only`); `outcome.mapping` is `ctx.mapping`,
    narrowed when a mapped field has gone."""
    outcome = PullOutcome(ctx.mapping, news_ids=news_ids)
    for stream in streams(ctx.mapping):
        if stream.name in outcome.skipped or (only is not None and stream.name not in only):
            continue
        _pull_with_drift(ctx, stream.name, outcome)
    return outcome


def _pull_with_drift(ctx: RunContext, name: str, outcome: PullOutcome) -> None:
    for _ in range(_MAX_DRIFT_RETRIES):
        stream = _stream_named(outcome.mapping, name)
        if stream is None:
            return
        try:
            _pull_stream(ctx, stream, outcome)
            return
        except SchemaDriftError as drift:
            if not _narrow(ctx, drift, outcome):
                outcome.skipped[name] = drift.message
                _record_drift(ctx, drift, [drift.message])
                return
            if name in outcome.skipped:
                return  # an essential field of this very stream: reading it again cannot help
    outcome.skipped[name] = "schema drift persisted after narrowing the mapping"


def _stream_named(mapping: Mapping, name: str) -> Stream | None:
    return next((s for s in streams(mapping) if s.name == name), None)


def _narrow(ctx: RunContext, drift: SchemaDriftError, outcome: PullOutcome) -> bool:
    """Drop (or skip) what needs the missing field; False when nothing could be narrowed."""
    if drift.field_name is None:
        return False
    plan = plan_drift(outcome.mapping, [(drift.object_name, drift.field_name)])
    if not plan.messages:
        return False
    _record_drift(ctx, drift, list(plan.messages))
    outcome.skipped.update(plan.skipped)
    outcome.mapping = plan.without(outcome.mapping)
    ctx.stats["drifted_fields"] += 1
    return True


def _record_drift(ctx: RunContext, drift: SchemaDriftError, messages: list[str]) -> None:
    key = f"{drift.object_name}.{drift.field_name or '?'}"
    log.error("schema_drift", field=key, messages=messages)
    if ctx.dry_run:
        return  # a preview reports the drift in its log, it does not file the admin's error
    failure = RecordFailure(ctx.crm, "mapping", key, Stage.PULL, drift.code, "; ".join(messages))
    ctx.store.errors.record([failure], run_id=ctx.run_id)


def _pull_stream(ctx: RunContext, stream: Stream, outcome: PullOutcome) -> None:
    cursor = ctx.store.cursors.get(ctx.crm, stream.name)
    reread = ctx.complete or _fields_added(ctx, stream, cursor)
    since = None if reread else _since(cursor, ctx.lookback, ties=ctx.port.stamp_ties)
    touched = outcome.touched.setdefault(stream.name, set())
    seen = outcome.seen.setdefault(stream.name, set())
    if since is None:  # a complete read: about as many records as the mirror holds
        ctx.estimates[stream.name] = ctx.store.mirror.count(ctx.crm, stream.name)
    for page in ctx.port.pull(stream, since, ctx.started_at):
        news = _save(ctx, stream, page)
        if outcome.news_ids:
            touched.update(news)
        elif not touched:
            touched.update(news[:1])
        if ctx.complete:
            seen.update(str(r[RECORD_ID]) for r in (*page.records, *page.deleted))
        ctx.checkpoint()
    after = ctx.store.cursors.get(ctx.crm, stream.name)
    settled = _settles(cursor, since, after)
    ctx.store.cursors.mark_read(ctx.crm, stream.name, ctx.started_at, settled=settled)


def _settles(before: Cursor | None, since: Position | None, after: Cursor | None) -> bool:
    """True when this read took in the cursor's whole second (it started at or before that
    second, inclusive) and left the cursor where it was: nothing can still appear in that
    second, and the next read may start strictly after the cursor (`Cursor.next_read`)."""
    if before is None or after is None or since is None or since.record_id:
        return False
    return since.modstamp <= before.modstamp and after.position == before.position


def _fields_added(ctx: RunContext, stream: Stream, cursor: Cursor | None) -> bool:
    """True when the mapping now reads a field the mirror's latest records were pulled
    without (a mapping edit, a restored field): the stream is read again from the start,
    or records unchanged since would keep a blank for that field."""
    if cursor is None:
        return False
    since = cursor.lower_bound(ctx.lookback)
    recent = ctx.store.mirror.changed_since(ctx.crm, stream.name, since, limit=20)
    sample = next((r for r in recent if not r.is_deleted), None)
    return sample is not None and not set(stream.fields) <= set(sample.data)


def _since(cursor: Cursor | None, lookback: timedelta, *, ties: bool) -> Position | None:
    """Strictly after the cursor, or at and after the late-record window when the cursor
    lies in it (`Cursor.next_read`)."""
    if cursor is None:
        return None
    modstamp, record_id = cursor.next_read(lookback, ties=ties)
    return Position(modstamp, record_id)


def _save(ctx: RunContext, stream: Stream, page: PulledPage) -> list[str]:
    """Store one page (with its cursor); returns the ids of its records that are news."""
    name = stream.name
    records = [_mirror(ctx, name, r, deleted=False) for r in page.records]
    deleted = [_mirror(ctx, name, r, deleted=True) for r in page.deleted]
    ids = [r.record_id for r in (*records, *deleted)]
    prior = ctx.store.mirror.get(ctx.crm, name, ids) if ids else {}  # one look per page
    records += [placed(r, ctx.mapping) for r in _last_known(deleted, prior)]
    known = no_news(ctx, stream, records, prior)
    news = [r.record_id for r in records if r.record_id not in known]
    ctx.stats[f"unchanged.{name}"] += len(known)
    ctx.stats[f"pulled.{name}"] += len(records)
    # progress of a long pull: one line per page with the stream's running total
    total, estimate = ctx.stats[f"pulled.{name}"], ctx.estimates.get(name) or None
    log.info("pulled_page", stream=name, records=len(records), total=total, estimate=estimate)
    ctx.progress.update(f"pull {name}", total, estimate)
    if page.last is None:  # a set of an unordered (Bulk) read: stored, the cursor waits
        if records:
            ctx.store.mirror.upsert(records)
        return news
    cursor = Cursor(ctx.crm, name, page.last.modstamp, page.last.record_id)
    ctx.store.save_page(records, cursor, ceiling=ctx.started_at)
    return news


def _last_known(deleted: list[MirrorRecord], prior: Map[str, MirrorRecord]) -> list[MirrorRecord]:
    """A deletion keeps the record's last known fields: a CRM answers a deleted record with
    less (HubSpot's archived list has no associations), and the run must still know which
    account a deleted renewal belonged to."""
    return [
        replace(
            r,
            data={**prior[r.record_id].data, **{k: v for k, v in r.data.items() if v is not None}},
        )
        if r.record_id in prior
        else r
        for r in deleted
    ]


def _mirror(
    ctx: RunContext, name: str, record: dict[str, object], *, deleted: bool
) -> MirrorRecord:
    modstamp = record[RECORD_MODSTAMP]
    if not isinstance(modstamp, datetime):
        raise TypeError(f"adapter gave {name} record a {type(modstamp).__name__} modstamp")
    data = {k: v for k, v in record.items() if k not in _MARKERS}
    record_id = str(record[RECORD_ID])
    parent, link = placement(name, record_id, data, ctx.mapping)
    return MirrorRecord(
        ctx.crm, name, record_id, modstamp, data, is_deleted=deleted, parent_id=parent, link_id=link
    )
