"""Pull: every stream of the mapping into the mirror, page by page, cursor with the data.

Cursor rule (see sync.state.cursors): the read starts at the committed (modstamp, id) minus
a lookback, inclusive; pages come in (modstamp, id) order; each page and its cursor are
stored in one transaction; the cursor never passes the run's start (`until`). Re-read rows
inside the lookback are harmless: the mirror never goes back in time.

A mapped field the CRM no longer has (schema drift) costs only what depends on it: the
mapping is narrowed (`DriftPlan.without`), the stream is read again without the field, and
the admin gets one error naming the field; an essential field skips its concept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    skipped: dict[str, str] = field(default_factory=dict)


def pull_all(ctx: RunContext, only: frozenset[str] | None = None) -> PullOutcome:
    """Pull every stream (or those named in `only`); `outcome.mapping` is `ctx.mapping`,
    narrowed when a mapped field has gone."""
    outcome = PullOutcome(ctx.mapping)
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
    since = None if reread else _since(cursor, ctx.lookback)
    touched = outcome.touched.setdefault(stream.name, set())
    if since is None:  # a complete read: about as many records as the mirror holds
        ctx.estimates[stream.name] = ctx.store.mirror.count(ctx.crm, stream.name)
    for page in ctx.port.pull(stream, since, ctx.started_at):
        _save(ctx, stream.name, page, touched)
        ctx.checkpoint()


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


def _since(cursor: Cursor | None, lookback: timedelta) -> Position | None:
    """Inclusive lower bound: every record at or after (cursor - lookback) is read again."""
    if cursor is None:
        return None
    return Position(cursor.lower_bound(lookback), "")


def _save(ctx: RunContext, name: str, page: PulledPage, touched: set[str]) -> None:
    records = [_mirror(ctx, name, r, deleted=False) for r in page.records]
    records += [_mirror(ctx, name, r, deleted=True) for r in page.deleted]
    touched.update(r.record_id for r in records)
    ctx.stats[f"pulled.{name}"] += len(records)
    # progress of a long pull: one line per page with the stream's running total
    total, estimate = ctx.stats[f"pulled.{name}"], ctx.estimates.get(name) or None
    log.info("pulled_page", stream=name, records=len(records), total=total, estimate=estimate)
    ctx.progress.update(f"pull {name}", total, estimate)
    if page.last is None:
        return
    cursor = Cursor(ctx.crm, name, page.last.modstamp, page.last.record_id)
    ctx.store.save_page(records, cursor, ceiling=ctx.started_at)


def _mirror(
    ctx: RunContext, name: str, record: dict[str, object], *, deleted: bool
) -> MirrorRecord:
    modstamp = record[RECORD_MODSTAMP]
    if not isinstance(modstamp, datetime):
        raise TypeError(f"adapter gave {name} record a {type(modstamp).__name__} modstamp")
    data = {k: v for k, v in record.items() if k not in _MARKERS}
    return MirrorRecord(ctx.crm, name, str(record[RECORD_ID]), modstamp, data, is_deleted=deleted)
