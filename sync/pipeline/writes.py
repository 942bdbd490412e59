"""Render intents against the CRM's current values, write the changes, keep the books.

Bookkeeping is what makes a crash harmless. Before a batch goes out, its payloads are stored
as *pending*; after the CRM answers they become *confirmed* (the `written` table) and the
pending copy is dropped. On the next run a field counts as the service's own value when the
CRM holds either the confirmed or the pending one, so a write whose answer was lost is never
mistaken for a person's edit, and a write that never landed is simply made again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from mappings import Intent, Outcome, WritePlan, render
from mappings.coerce import comparable
from sync.core.logs import get_logger
from sync.core.ports import ASSOCIATIONS, RECORD_ID, CrmError, WriteOutcome
from sync.pipeline.context import RunContext
from sync.state import RecordFailure, Stage
from sync.state.written import Write

PENDING_PREFIX = "pending:"
log = get_logger("renewal_sync.writes")
Raw = dict[str, Any]


@dataclass
class Item:
    """One intent on its way out: its key, the CRM record now (if any), and its plan."""

    intent: Intent
    key: str
    current: Raw | None
    record_id: str | None = None
    by_id: bool = False  # write by CRM id (adopting a record, or an account roll-up)
    plan: WritePlan | None = None
    keep_edits: bool = False  # a person edited the record: hold every unless_edited field
    force: frozenset[str] = frozenset()
    follows: frozenset[str] = frozenset()
    """Canonical fields written even when the record was edited, unless a person changed
    that field itself: a renewal's dates follow its contract (domain spec: a corrected end
    date re-dates the same renewal, a person's edits to it kept)."""


@dataclass
class BatchResult:
    ids: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    written: int = 0


def plan_items(ctx: RunContext, concept: str, items: Sequence[Item]) -> None:
    """Render each item against the CRM's current values and what the service last wrote."""
    if not items:
        return
    last = _last_written(ctx, concept, [i.key for i in items], {i.key: i.current for i in items})
    _render(ctx, concept, items, last, None)
    if any(isinstance(v, str) for i in items if i.plan for v in i.plan.payload.values()):
        lengths = field_lengths(ctx, ctx.mapping.write[concept].object)
        if lengths:  # text is about to be written: cut what its field cannot hold
            _render(ctx, concept, items, last, lengths)


def _render(
    ctx: RunContext,
    concept: str,
    items: Sequence[Item],
    last: dict[str, dict[str, Any]],
    lengths: dict[str, int] | None,
) -> None:
    for item in items:
        item.plan = render(
            concept,
            item.intent,
            current=item.current,
            last_written=last.get(item.key),
            mapping=ctx.mapping,
            lengths=lengths,
        )


def field_lengths(ctx: RunContext, object_name: str) -> dict[str, int]:
    """The characters each text field of `object_name` holds, asked once per run and only
    when something is to be written there (a run with nothing to write asks nothing)."""
    if object_name not in ctx.lengths:
        try:
            described = ctx.port.describe([object_name]).get(object_name)
        except CrmError as error:  # text then goes as it is; the CRM says if it is too long
            log.warning("describe_failed", object=object_name, code=error.code)
            described = None
        fields = described.fields if described is not None else {}
        ctx.lengths[object_name] = {n: f.length for n, f in fields.items() if f.length}
    return ctx.lengths[object_name]


def edited(item: Item) -> bool:
    """True when a person changed a field the service wrote (policy unless_edited)."""
    return item.plan is not None and any(
        h.canonical_field not in item.force for h in item.plan.held_back
    )


def payload_of(item: Item) -> dict[str, Any]:
    """What to send: the plan's payload, minus unless_edited fields if the record was edited,
    plus forced fields (closing a renewal overrides a person's stage)."""
    assert item.plan is not None
    payload = dict(item.plan.payload)
    if item.keep_edits:
        held = {
            d.crm_field
            for d in item.plan.decisions
            if d.policy == "unless_edited" and d.canonical_field not in item.follows
        }
        payload = {k: v for k, v in payload.items() if k not in held}
    for held_back in item.plan.held_back:
        if held_back.canonical_field in item.force:
            payload[held_back.crm_field] = held_back.wanted
    return payload


def write_items(
    ctx: RunContext,
    concept: str,
    items: Sequence[Item],
    send: Callable[[list[Raw], list[Raw]], list[WriteOutcome]],
    *,
    group: Callable[[Item], str] | None = None,
) -> BatchResult:
    """Write the items that have changes, one CRM batch at a time, books kept per batch.

    With `group`, items of one group (the lines of one renewal) go out in the same batch
    whenever the group fits in one, so a renewal's amount is never left half made between
    two calls of an uninterrupted run."""
    result = BatchResult()
    todo = [(i, payload_of(i)) for i in items]
    for item, payload in todo:
        if not payload and item.record_id:
            result.ids[item.key] = item.record_id
    changed = [(i, p) for i, p in todo if p or (i.plan is not None and i.plan.associations)]
    _confirm_unchanged(ctx, concept, [i for i, p in todo if not p])
    bulk = ctx.port.bulk_write_threshold and len(changed) > ctx.port.bulk_write_threshold
    size = ctx.port.bulk_batch_size if bulk else ctx.port.batch_size
    batches = _batches(changed, max(1, size), group)
    sent = 0
    number = 0
    for wave in _waves(batches, max(1, ctx.port.write_concurrency)):
        _write_wave(ctx, concept, wave, send, result)
        for batch in wave:
            number += 1
            sent += len(batch)
            # progress of a long run: one line per batch, "batch 3 of 12, 600 of 2,310 records"
            log.info("write_batch", concept=concept, batch=number, batches=len(batches),
                     records=sent, of=len(changed), failed=len(result.failed))  # fmt: skip
            detail = f"batch {number} of {len(batches)} ({sent:,} of {len(changed):,})"
            ctx.progress.update(f"write {concept}", sent, len(changed), detail)
        ctx.checkpoint()
    return result


Batch = list[tuple[Item, dict[str, Any]]]
WRITE_THREADS = "renewal-sync-write"
"""Name prefix of the threads that carry write calls in flight at once."""


def _waves(batches: list[Batch], width: int) -> list[list[Batch]]:
    """Batches in waves of at most `width` that may be in flight together: consecutive, and
    no account in two of them (Salesforce locks the parent account of a record it writes,
    and two calls on one account would wait on each other or fail UNABLE_TO_LOCK_ROW)."""
    waves: list[list[Batch]] = []
    held: set[str] = set()
    for batch in batches:
        accounts = {_account_of(item) for item, _ in batch}
        if waves and len(waves[-1]) < width and not accounts & held:
            waves[-1].append(batch)
            held |= accounts
        else:
            waves.append([batch])
            held = set(accounts)
    return waves


def _account_of(item: Item) -> str:
    """The account an item's record hangs off (a credit's order stands for it)."""
    intent = item.intent
    return str(getattr(intent, "account_id", None) or getattr(intent, "order_id", "") or item.key)


def _write_wave(
    ctx: RunContext,
    concept: str,
    wave: list[Batch],
    send: Callable[[list[Raw], list[Raw]], list[WriteOutcome]],
    result: BatchResult,
) -> None:
    """Send the wave's batches at once, each in its own thread, and keep the books of each
    in the run's own thread, in batch order. Every batch's pending record is written before
    any call leaves, so a crash anywhere in the wave is what it is for one call; a batch
    whose call failed (the allowance spent, the CRM down) fails the run after the others'
    books are kept."""
    calls = [_outgoing(ctx, concept, batch) for batch in wave]
    if len(calls) == 1:
        keyed, by_id, ordered, payloads = calls[0]
        _book(ctx, concept, ordered, send(keyed, by_id), payloads, result=result)
        return
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix=WRITE_THREADS) as pool:
        futures = [pool.submit(send, keyed, by_id) for keyed, by_id, _, _ in calls]
        wait(futures)
    failed: BaseException | None = None
    for (_, _, ordered, payloads), future in zip(calls, futures, strict=True):
        error = future.exception()
        if error is None:
            _book(ctx, concept, ordered, future.result(), payloads, result=result)
        elif failed is None:
            failed = error
    if failed is not None:
        raise failed


def _batches(
    changed: list[tuple[Item, dict[str, Any]]],
    size: int,
    group: Callable[[Item], str] | None,
) -> list[Batch]:
    """Batches of at most `size`, cut only between groups (a group larger than a batch is
    cut where it must be). Items of a group are expected next to each other."""
    if group is None:
        return [changed[start : start + size] for start in range(0, len(changed), size)]
    runs: list[list[tuple[Item, dict[str, Any]]]] = []
    for entry in changed:
        if runs and group(runs[-1][-1][0]) == group(entry[0]):
            runs[-1].append(entry)
        else:
            runs.append([entry])
    batches: list[list[tuple[Item, dict[str, Any]]]] = []
    for run in runs:
        if batches and len(batches[-1]) + len(run) <= size:
            batches[-1].extend(run)
            continue
        batches += [run[start : start + size] for start in range(0, len(run), size)]
    return batches


def _outgoing(
    ctx: RunContext, concept: str, batch: Batch
) -> tuple[list[Raw], list[Raw], list[Item], dict[str, dict[str, Any]]]:
    """One batch's call bodies (by key, by id), its items in their order, and its payloads,
    recorded as pending before the call leaves (a crash then finds them, `PENDING_PREFIX`)."""
    keyed = [_body(ctx, concept, i, p) for i, p in batch if not i.by_id]
    by_id = [
        {RECORD_ID: i.record_id, **_key_field(ctx, concept, i), **p} for i, p in batch if i.by_id
    ]
    ordered = [i for i, _ in batch if not i.by_id] + [i for i, _ in batch if i.by_id]
    payloads = {i.key: p for i, p in batch}
    ctx.store.written.record(
        ctx.crm, PENDING_PREFIX + concept, [Write(k, p) for k, p in payloads.items()]
    )
    return keyed, by_id, ordered, payloads


def _body(ctx: RunContext, concept: str, item: Item, payload: dict[str, Any]) -> Raw:
    return {**_key_field(ctx, concept, item), **payload, **_links(item)}


def _links(item: Item) -> Raw:
    """Associations the record lacks (HubSpot), for the adapter to create after the write."""
    if item.plan is None or not item.plan.associations:
        return {}
    links = [
        {"to_object": a.to_object, "to_id": a.to_id, "type_id": a.type_id}
        for a in item.plan.associations
    ]
    return {ASSOCIATIONS: links}


def _key_field(ctx: RunContext, concept: str, item: Item) -> Raw:
    key_field = ctx.mapping.write[concept].key_field
    return {key_field: item.key} if key_field and not _keyed_by_id(ctx, concept) else {}


def _keyed_by_id(ctx: RunContext, concept: str) -> bool:
    """A write concept keyed by the record id itself (roll-ups on the account)."""
    account_id = ctx.mapping.read["account"].fields.get("id")
    key_field = ctx.mapping.write[concept].key_field
    return account_id is not None and key_field == account_id.field


def _book(
    ctx: RunContext,
    concept: str,
    items: list[Item],
    outcomes: list[WriteOutcome],
    payloads: dict[str, dict[str, Any]],
    *,
    result: BatchResult,
) -> None:
    last = ctx.store.written.get(ctx.crm, concept, payloads)
    writes, failures, done = [], [], []
    for item, outcome in zip(items, outcomes, strict=True):
        if outcome.ok:
            merged = {**(last[item.key].payload if item.key in last else {}), **payloads[item.key]}
            record_id = outcome.record_id or item.record_id
            writes.append(Write(item.key, merged, record_id))
            if record_id:
                result.ids[item.key] = record_id
            done.append(item.key)
        else:
            result.failed.add(item.key)
            failures.append(_failure(ctx, concept, item.key, outcome, payloads[item.key]))
    ctx.store.written.record(ctx.crm, concept, writes, run_id=ctx.run_id)
    ctx.store.written.forget(ctx.crm, PENDING_PREFIX + concept, payloads)
    if failures:
        ctx.store.errors.record(failures, run_id=ctx.run_id)
    ctx.store.errors.resolve(ctx.crm, concept, done, stage=Stage.PUSH)
    result.written += len(writes)
    ctx.stats[f"written.{concept}"] += len(writes)
    ctx.stats[f"failed.{concept}"] += len(failures)


def _failure(
    ctx: RunContext, concept: str, key: str, outcome: WriteOutcome, payload: dict[str, Any]
) -> RecordFailure:
    fields = f" (fields: {', '.join(outcome.error_fields)})" if outcome.error_fields else ""
    message = f"{outcome.error_message or 'rejected'}{fields}"
    code = outcome.error_code or "UNKNOWN"
    return RecordFailure(ctx.crm, concept, key, Stage.PUSH, code, message, payload)


def _confirm_unchanged(ctx: RunContext, concept: str, items: list[Item]) -> None:
    """Fields the CRM already holds as wanted become the service's own (after a lost answer)."""
    keys = [i.key for i in items if i.plan is not None and i.current is not None]
    last = ctx.store.written.get(ctx.crm, concept, keys)
    writes = []
    for item in items:
        known = last[item.key].payload if item.key in last else {}
        same = _unchanged_values(item)
        if any(comparable(known.get(k)) != comparable(v) for k, v in same.items()):
            writes.append(Write(item.key, {**known, **same}, item.record_id))
    if writes:
        ctx.store.written.record(ctx.crm, concept, writes, run_id=ctx.run_id)


def _unchanged_values(item: Item) -> dict[str, Any]:
    if item.plan is None or item.current is None:
        return {}
    current = item.current
    return {
        d.crm_field: current.get(d.crm_field)
        for d in item.plan.decisions
        if d.outcome is Outcome.UNCHANGED
    }


def _last_written(
    ctx: RunContext, concept: str, keys: list[str], currents: dict[str, Raw | None]
) -> dict[str, dict[str, Any]]:
    """Per key, the service's own value of each field: confirmed, or pending when the CRM
    holds the pending one (the write landed but its answer was lost)."""
    confirmed = ctx.store.written.get(ctx.crm, concept, keys)
    pending = ctx.store.written.get(ctx.crm, PENDING_PREFIX + concept, keys)
    merged: dict[str, dict[str, Any]] = {}
    for key in keys:
        values = dict(confirmed[key].payload) if key in confirmed else {}
        current = currents.get(key) or {}
        for name, value in (pending[key].payload if key in pending else {}).items():
            if comparable(current.get(name)) == comparable(value):
                values[name] = value
        if values:
            merged[key] = values
    return merged
