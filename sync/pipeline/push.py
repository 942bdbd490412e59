"""Push: renewals first (their ids are what lines and tasks point at), then renewal lines,
milestone tasks and account roll-ups; each batch sorted by account so one call never
fights another over the same parent record.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from contract_rules import OrderStatus
from mappings import AccountRollupIntent, RecastCreditIntent
from sync.core.ports import WriteOutcome
from sync.pipeline.context import RunContext
from sync.pipeline.decide import PlannedRenewal
from sync.pipeline.plan import Plan
from sync.pipeline.renewal_edits import (
    LineEdit,
    derived_fields,
    has_lines,
    line_edits,
    without_derived,
)
from sync.pipeline.world import World
from sync.pipeline.writes import Item, edited, plan_items, write_items
from sync.state import RecordFailure, Stage

Raw = dict[str, Any]
DRY_RUN_ID_PREFIX = "(new) "
RE_DATED = frozenset({"close_date", "term_start", "term_end"})


@dataclass
class PushReport:
    """What the push did (or, in a dry run, would do), for the CLI and the run history."""

    changes: dict[str, list[Item]] = field(default_factory=dict)
    edited: set[str] = field(default_factory=set)
    ids: dict[str, str] = field(default_factory=dict)
    closing_won: list[PlannedRenewal] = field(default_factory=list)


def push(ctx: RunContext, world: World, plan: Plan, *, skipped: Collection[str] = ()) -> PushReport:
    """Write the plan (or, with `ctx.dry_run`, only render it).

    `skipped` names the concepts schema drift took out of this run (with all that depends on
    them, see `mappings.plan_drift`): they are neither written nor reported as changes.
    """
    report = PushReport()
    planned = sorted(plan.renewals, key=lambda p: (p.intent.account_id, p.intent.key))
    if "renewal" not in skipped:
        _renewals(ctx, world, planned, report)
    if "renewal_line" in ctx.mapping.write and "renewal_line" not in skipped:
        _lines(ctx, world, planned, report)
    _close_won(ctx, world, report)
    if "task" not in skipped:
        _tasks(ctx, world, planned, report)
    if "account_rollup" not in skipped:
        _rollups(ctx, world, plan.rollups, report)
    if "recast_credit" in ctx.mapping.write and "recast_credit" not in skipped:
        _credits(ctx, world, plan.credits, report)
    return report


def _renewals(
    ctx: RunContext, world: World, planned: list[PlannedRenewal], report: PushReport
) -> None:
    remaining = list(planned)
    while remaining:
        ready = [p for p in remaining if p.renews_key is None or p.renews_key in report.ids]
        waiting = [p for p in remaining if not (p.renews_key is None or p.renews_key in report.ids)]
        if not ready:
            _blocked(ctx, remaining)
            return
        items = [_renewal_item(world, p, report) for p in ready]
        plan_items(ctx, "renewal", items)
        through_lines = line_edits(ctx, world, ready)
        derived = derived_fields(ctx)
        for item, plan in zip(items, ready, strict=True):
            if derived and item.plan is not None and has_lines(world, plan.record_id):
                item.plan = without_derived(item.plan, derived)
            item.keep_edits = edited(item) or bool(through_lines.get(item.key))
            if item.keep_edits:
                report.edited.add(item.key)
        _report_edits(ctx, items, through_lines)
        _write(ctx, "renewal", items, report)
        remaining = waiting


def _renewal_item(world: World, plan: PlannedRenewal, report: PushReport) -> Item:
    """The renewal as first written; one the service closes won is written open first and
    closed only once its lines are in, so a crash in between never leaves a won renewal
    without its lines (the next contract in the chain would be priced from nothing)."""
    intent = plan.intent
    if plan.renews_key is not None:
        intent = replace(intent, renews_order_id=report.ids[plan.renews_key])
    if intent.stage == "won" and not _won_already(world, plan):
        report.closing_won.append(replace(plan, intent=intent))
        intent = replace(intent, stage="open")
    current = world.raw_orders.get(plan.record_id) if plan.record_id else None
    return Item(
        intent, intent.key, current, plan.record_id, plan.adopt, force=plan.force,
        follows=RE_DATED,
    )  # fmt: skip


def _won_already(world: World, plan: PlannedRenewal) -> bool:
    record = world.orders.get(plan.record_id or "")
    return record is not None and record.order.status is OrderStatus.CLOSED_WON


def _close_won(ctx: RunContext, world: World, report: PushReport) -> None:
    """Second step of an automatic renewal: close it won, its lines now being in place."""
    plans = [
        p
        for p in report.closing_won
        if p.intent.key in report.ids and p.intent.key not in report.edited
    ]
    written = ctx.store.written.get(ctx.crm, "renewal", [p.intent.key for p in plans])
    items = []
    for plan in plans:
        record_id = report.ids[plan.intent.key]
        known = written[plan.intent.key].payload if plan.intent.key in written else {}
        current = {**(world.raw_orders.get(record_id) or {}), **known}
        items.append(Item(plan.intent, plan.intent.key, current, record_id))
    plan_items(ctx, "renewal", items)
    _write(ctx, "renewal", items, report)


def _lines(
    ctx: RunContext, world: World, planned: list[PlannedRenewal], report: PushReport
) -> None:
    items: list[Item] = []
    stale: dict[str, str] = {}
    ours = world.record_ids.get("renewal_line", {})
    by_renewal = world.renewal_lines_by_renewal()
    for plan in planned:
        renewal_id = report.ids.get(plan.intent.key)
        if renewal_id is None or plan.intent.stage == "lost":
            continue
        keys = {ln.key for ln in plan.lines}
        if plan.intent.key not in report.edited:
            existing = by_renewal.get(plan.intent.key, {})
            stale.update({k: rid for k, rid in existing.items() if k not in keys})
        edited_renewal = plan.intent.key in report.edited
        for line in plan.lines:
            current = world.by_sync_key.get("renewal_line", {}).get(line.key)
            if edited_renewal and current is None:
                continue  # adding a line would change the amount a person set
            item = Item(replace(line, renewal_id=renewal_id), line.key, current, ours.get(line.key))
            item.keep_edits = edited_renewal
            items.append(item)
    plan_items(ctx, "renewal_line", items)
    _write(ctx, "renewal_line", items, report, group=_renewal_of)
    _delete_stale(ctx, stale, report)


def _renewal_of(item: Item) -> str:
    return str(getattr(item.intent, "renewal_id", ""))


def _delete_stale(ctx: RunContext, stale: dict[str, str], report: PushReport) -> None:
    """Renewal lines the renewal no longer has (a removed add-on, a re-split price).

    Their write records go with them: a line the service deleted itself must not look, if
    it is wanted again later, like one a person deleted."""
    report.changes.setdefault("renewal_line.delete", [])
    if not stale or ctx.dry_run:
        return
    obj = ctx.mapping.write["renewal_line"].object
    keys = list(stale)
    outcomes = ctx.port.delete(obj, [stale[k] for k in keys])
    gone = [k for k, o in zip(keys, outcomes, strict=True) if o.ok]
    ctx.store.written.forget(ctx.crm, "renewal_line", gone)
    ctx.stats["deleted.renewal_line"] += len(gone)


def _tasks(
    ctx: RunContext, world: World, planned: list[PlannedRenewal], report: PushReport
) -> None:
    wanted = [(p, t) for p in planned for t in p.tasks if p.intent.key in report.ids]
    known = ctx.store.written.get(ctx.crm, "task", [t.key for _, t in wanted])
    items: list[Item] = []
    for plan, task in wanted:
        current = world.by_sync_key.get("task", {}).get(task.key)
        closing = task.status == "completed" and task.subject is None
        if current is None and (closing or task.key in known):
            continue  # closing a task that is gone, or a task a person deleted: leave it
        renewal_id = report.ids[plan.intent.key]
        record_id = world.record_ids.get("task", {}).get(task.key)
        items.append(Item(replace(task, renewal_id=renewal_id), task.key, current, record_id))
    plan_items(ctx, "task", items)
    for item in items:
        item.keep_edits = edited(item)
    _write(ctx, "task", items, report)


def _rollups(
    ctx: RunContext, world: World, rollups: Sequence[AccountRollupIntent], report: PushReport
) -> None:
    items = [
        Item(r, r.account_id, world.raw_accounts.get(r.account_id), r.account_id, by_id=True)
        for r in rollups
    ]
    plan_items(ctx, "account_rollup", items)
    date_field = ctx.mapping.write["account_rollup"].fields.get("health_date")
    for item in items:
        assert item.plan is not None
        changed = set(item.plan.payload)
        if date_field is not None and changed <= {date_field.field}:
            item.plan = replace(item.plan, payload={})  # only the date moved: nothing new to say
    _write(ctx, "account_rollup", items, report)


def _credits(
    ctx: RunContext, world: World, credits: Sequence[RecastCreditIntent], report: PushReport
) -> None:
    """Each recast's credit, on the recast itself (a person's record: written by its id)."""
    items = [
        Item(c, c.order_id, world.raw_orders.get(c.order_id), c.order_id, by_id=True)
        for c in credits
    ]
    plan_items(ctx, "recast_credit", items)
    _write(ctx, "recast_credit", items, report)


def _write(
    ctx: RunContext,
    concept: str,
    items: list[Item],
    report: PushReport,
    *,
    group: Callable[[Item], str] | None = None,
) -> None:
    changed = [i for i in items if i.plan is not None and (i.plan.payload or i.plan.associations)]
    report.changes.setdefault(concept, []).extend(changed)
    for item in items:
        if item.record_id:
            report.ids.setdefault(item.key, item.record_id)
    if ctx.dry_run:
        # What would be created gets a stand-in id, so a dry run also plans what hangs off
        # it (a renewal's lines and tasks, the renewal that renews it) as the real run will.
        for item in changed:
            report.ids.setdefault(item.key, f"{DRY_RUN_ID_PREFIX}{item.key}")
        return
    result = write_items(ctx, concept, items, _sender(ctx, concept), group=group)
    report.ids.update(result.ids)


def _sender(ctx: RunContext, concept: str) -> Callable[[list[Raw], list[Raw]], list[WriteOutcome]]:
    spec = ctx.mapping.write[concept]

    def send(keyed: list[Raw], by_id: list[Raw]) -> list[WriteOutcome]:
        outcomes: list[WriteOutcome] = []
        if keyed:
            outcomes += ctx.port.upsert(spec.object, str(spec.key_field), keyed)
        if by_id:
            outcomes += ctx.port.update(spec.object, by_id)
        return outcomes

    return send


def _report_edits(
    ctx: RunContext, items: list[Item], through_lines: dict[str, list[LineEdit]]
) -> None:
    """A person's edit is kept; the difference is recorded where an admin sees it."""
    failures = []
    for item in items:
        if not item.keep_edits or item.plan is None:
            continue
        diffs = "; ".join(
            [
                f"{h.crm_field}: the CRM has {_show(h.current)}, "
                f"the service computes {_show(h.wanted)}"
                for h in item.plan.held_back
            ]
            + [str(edit) for edit in through_lines.get(item.key, [])]
        )
        message = f"Kept a person's edit on renewal {item.key} ({item.record_id}): {diffs}"
        failures.append(
            RecordFailure(ctx.crm, "renewal", item.key, Stage.DECIDE, "HUMAN_EDIT_KEPT", message)
        )
    if failures and not ctx.dry_run:
        ctx.store.errors.record(failures, run_id=ctx.run_id)
    ctx.stats["human_edits_kept"] += len(failures)


def _show(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


def _blocked(ctx: RunContext, plans: list[PlannedRenewal]) -> None:
    failures = [
        RecordFailure(
            ctx.crm, "renewal", p.intent.key, Stage.PUSH, "DEPENDENCY_FAILED",
            f"waits for renewal {p.renews_key}, which could not be written; retried next run",
        )
        for p in plans
    ]  # fmt: skip
    if not ctx.dry_run:
        ctx.store.errors.record(failures, run_id=ctx.run_id)
