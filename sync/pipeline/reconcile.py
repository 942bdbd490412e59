"""Reconcile: read the whole CRM again and check what the service promises against it.

A sync trusts its mirror and its cursors; reconciliation trusts neither. It reads every
stream from the start (`RunContext.complete`), so a record deleted for good (past the recycle
bin, an archived HubSpot record past its window) or one a cursor skipped is found out: a
mirrored record the complete read did not return is marked gone. Then it plans the whole org
as a full run would and checks the invariants (domain spec, "The renewal opportunity the
service keeps"):

- exactly one open renewal per live contract;
- the lines of each open renewal add up to its amount;
- each milestone task the plan holds exists once;
- the roll-ups on each account equal what the service computes.

Every difference is a `Gap`. What the service owns it repairs by the ordinary push (which
never writes over a person's edit); what needs a person (two open renewals for one contract,
lines a person changed) is on the `errors` work list: a second open renewal as the decide
step's DUPLICATE_RENEWAL (every run looks for it), the rest under object `reconcile`, resolved
by the first reconciliation that no longer finds it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from contract_rules import term_length
from mappings import LineRecord
from mappings.streams import WRITTEN_PREFIX, streams
from sync.pipeline.context import RunContext
from sync.pipeline.decide import DUPLICATE_RENEWAL
from sync.pipeline.deleted import RENEWAL_DELETED
from sync.pipeline.plan import Plan
from sync.pipeline.pull import PullOutcome
from sync.pipeline.push import PushReport
from sync.pipeline.world import World
from sync.state import RecordFailure, Stage

OBJECT = "reconcile"
"""The object type reconciliation files its unrepaired gaps under (`errors --kind`)."""
LINES_OFF = "RECONCILE_LINES_OFF"
DUPLICATE_TASK = "RECONCILE_DUPLICATE_TASK"
_CENT = Decimal("0.01")
_KIND_OF_CHANGE = {
    "renewal": "renewal",
    "renewal_line": "renewal line",
    "renewal_line.delete": "stale renewal line",
    "task": "milestone task",
    "account_rollup": "account roll-up",
    "recast_credit": "recast credit",
}


@dataclass(frozen=True, slots=True)
class Gap:
    """One difference between what the service promises and what the CRM holds.

    `repair` says what became of it: "written" (the service wrote what it owns), "would
    write" (a dry run), "marked gone" (the mirror caught up with the CRM), "kept: ..." (a
    person's edit or deletion, honoured as always) or "needs a person: ...".
    """

    kind: str
    record: str
    account_id: str
    message: str
    repair: str

    @property
    def needs_person(self) -> bool:
        return self.repair.startswith("needs a person")

    @property
    def kept(self) -> bool:
        """A person's decision the service honours: reported, never alerted on."""
        return self.repair.startswith("kept")


def mark_vanished(ctx: RunContext, outcome: PullOutcome) -> list[Gap]:
    """Mirrored records the complete read did not return: gone from the CRM for good.

    They are marked deleted as of the run's start; a record that is in fact alive and was
    only changed while the read ran comes back with the next pull (its stamp is later).
    """
    gaps: list[Gap] = []
    for stream in streams(outcome.mapping):
        if stream.name in outcome.skipped:
            continue
        seen = outcome.seen.get(stream.name, set())
        missing = [
            rid for rid in ctx.store.mirror.live_ids(ctx.crm, stream.name) if rid not in seen
        ]
        found = ctx.store.mirror.get(ctx.crm, stream.name, missing) if missing else {}
        gone = [replace(r, system_modstamp=ctx.started_at, is_deleted=True) for r in found.values()]
        if gone:
            ctx.store.mirror.upsert(gone)
        name = stream.name.removeprefix(WRITTEN_PREFIX)
        gaps += [
            Gap("gone from the CRM", r.record_id, "",
                f"{name} {r.record_id} is in the service's mirror but no longer in the CRM",
                "marked gone")
            for r in gone
        ]  # fmt: skip
    return gaps


def invariant_gaps(ctx: RunContext, world: World, plan: Plan) -> list[Gap]:
    """The invariants as the CRM holds them now, before anything is written."""
    gaps = _decided(plan)
    gaps += _line_sums(ctx, world, plan)
    gaps += _task_counts(ctx, world, plan)
    return gaps


def _decided(plan: Plan) -> list[Gap]:
    """What the decide step already found about renewals (every run looks): a second open
    renewal of a contract (DUPLICATE_RENEWAL, on `errors`), a renewal a person deleted."""
    gaps: list[Gap] = []
    for failure in plan.failures:
        if failure.code == DUPLICATE_RENEWAL:
            gaps.append(
                Gap("duplicate renewals", failure.record_key, "", failure.message,
                    "needs a person: which renewal stays is a person's call "
                    "(DUPLICATE_RENEWAL on `errors`)")
            )  # fmt: skip
        elif failure.code == RENEWAL_DELETED:
            gaps.append(
                Gap("missing renewal", failure.record_key, "", failure.message,
                    "kept: a person deleted it (raise_deleted_renewals = false)")
            )  # fmt: skip
    return gaps


def _line_sums(ctx: RunContext, world: World, plan: Plan) -> list[Gap]:
    """Each open renewal's lines against its amount, within a cent per line (a CRM that keeps
    yearly prices rounds each line of a shorter or longer term once)."""
    if "renewal_line" not in ctx.mapping.write:
        return []
    gaps: list[Gap] = []
    ours = world.record_ids.get("renewal", {})
    for planned in plan.renewals:
        record_id = planned.record_id or ours.get(planned.intent.key)
        record = world.orders.get(record_id or "")
        if record is None or planned.intent.stage != "open" or not record.lines:
            continue
        total = _lines_total(record.order.start_date, record.order.end_date, record.lines)
        amount = record.amount if record.amount is not None else Decimal(0)
        if abs(total - amount) > _CENT * len(record.lines):
            gaps.append(
                Gap(
                    "lines off",
                    planned.intent.key,
                    planned.intent.account_id,
                    f"renewal {_named(world, record.order.id)} of "
                    f"{_who(world, planned.intent.account_id)}: its {len(record.lines)} line(s) "
                    f"add up to {total:.2f}, its amount is {amount:.2f}",
                    "",
                )
            )
    return gaps


def _lines_total(start: date, end: date | None, lines: tuple[LineRecord, ...]) -> Decimal:
    """The lines' total for the renewal's term: quantity x yearly price x years, less
    discounts (the service's own lines carry none; a person's may)."""
    years = Decimal(1)
    if end is not None and end > start:
        months = term_length(start, end).months
        years = Decimal(months) / Decimal(12) if months else Decimal(1)
    total = Decimal(0)
    for record in lines:
        line = record.line
        value = line.quantity * line.unit_price * years
        for discount in line.discounts:
            if discount.percent is not None:
                value -= value * discount.percent / Decimal(100)
            elif discount.amount is not None:
                value -= discount.amount * years
        total += value
    return total.quantize(_CENT)


def _task_counts(ctx: RunContext, world: World, plan: Plan) -> list[Gap]:
    spec = ctx.mapping.write.get("task")
    if spec is None or spec.key_field is None:
        return []
    rows = ctx.store.mirror.data_by_id(ctx.crm, f"{WRITTEN_PREFIX}task")
    counts = Counter(str(r.get(spec.key_field)) for r in rows.values())
    planned = [
        (p, t) for p in plan.renewals for t in p.tasks
        if not (t.status == "completed" and t.subject is None)  # a closing, not a milestone
    ]  # fmt: skip
    written = ctx.store.written.get(
        ctx.crm, "task", [t.key for _, t in planned if not counts[t.key]]
    )
    gaps = [
        Gap("milestone task missing", task.key, task.account_id or "",
            f"milestone task {task.subject!r} of renewal {p.intent.key} is gone from the CRM",
            "kept: a person deleted it after the service raised it")
        for p, task in planned
        if task.key in written
    ]  # fmt: skip
    return gaps + [
        Gap(
            "duplicate task",
            task.key,
            task.account_id or "",
            f"milestone task {task.subject!r} exists {counts[task.key]} times in the CRM; "
            "delete the extra copies",
            "needs a person: the copies may carry notes",
        )
        for _, task in planned
        if counts[task.key] > 1
    ]


def change_gaps(ctx: RunContext, world: World, report: PushReport) -> list[Gap]:
    """What the push found different and wrote (or, in a dry run, would write)."""
    done = "would write" if ctx.dry_run else "written"
    gaps: list[Gap] = []
    for concept, items in sorted(report.changes.items()):
        what = _KIND_OF_CHANGE.get(concept, concept)
        for item in items:
            new = item.plan is not None and item.plan.is_new
            fields = sorted(item.plan.payload) if item.plan is not None else []
            account = str(getattr(item.intent, "account_id", "") or "")
            said = "missing" if new else f"differs ({', '.join(fields) or 'associations'})"
            gaps.append(
                Gap(f"{what} {'missing' if new else 'differs'}", item.key, account,
                    f"{what} {item.key} of {_who(world, account)}: {said}", done)
            )  # fmt: skip
    return gaps


def settle(ctx: RunContext, gaps: list[Gap], report: PushReport) -> list[Gap]:
    """Say what became of each invariant gap, and keep those a person must act on."""
    changed = {i.key for items in report.changes.values() for i in items}
    settled = []
    for gap in gaps:
        if gap.repair:
            settled.append(gap)
        elif gap.record in report.edited:
            settled.append(_with(gap, "kept: a person edited this renewal (see its note)"))
        elif any(key == gap.record or key.startswith(f"{gap.record}:") for key in changed):
            settled.append(_with(gap, "would write" if ctx.dry_run else "written"))
        else:
            settled.append(_with(gap, "needs a person: the service did not write these lines"))
    return settled


def file_gaps(ctx: RunContext, gaps: list[Gap]) -> None:
    """Put the gaps that need a person on the work list; resolve those no longer found."""
    codes = {
        "lines off": LINES_OFF,
        "duplicate task": DUPLICATE_TASK,
    }
    failures = [
        RecordFailure(ctx.crm, OBJECT, g.record, Stage.DECIDE, codes[g.kind], g.message)
        for g in gaps
        if g.needs_person and g.kind in codes
    ]
    if failures:
        ctx.store.errors.record(failures, run_id=ctx.run_id)
    still = {f.record_key for f in failures}
    kept = ctx.store.errors.open(ctx.crm, stage=Stage.DECIDE, object_type=OBJECT)
    closed = [e.record_key for e in kept if e.record_key not in still]
    if closed:
        ctx.store.errors.resolve(ctx.crm, OBJECT, closed, stage=Stage.DECIDE)


def tally(ctx: RunContext, gaps: list[Gap]) -> None:
    """Counts for the run row (and so for alerts, metrics and `runs`); what a person decided
    is counted apart and is not a gap to alert on."""
    ctx.stats["reconcile.gaps"] += sum(1 for g in gaps if not g.kept)
    ctx.stats["reconcile.repaired"] += sum(1 for g in gaps if not g.kept and not g.needs_person)
    ctx.stats["reconcile.need_person"] += sum(1 for g in gaps if g.needs_person)
    ctx.stats["reconcile.kept"] += sum(1 for g in gaps if g.kept)
    for gap in gaps:
        ctx.stats[f"reconcile.gap.{gap.kind}"] += 1


def _with(gap: Gap, repair: str) -> Gap:
    return Gap(gap.kind, gap.record, gap.account_id, gap.message, repair)


def _who(world: World, account_id: str) -> str:
    found = world.accounts.get(account_id)
    return found[0].name if found and found[0].name else (account_id or "an account")


def _named(world: World, record_id: str) -> str:
    record = world.orders.get(record_id)
    return f"{record.name} ({record_id})" if record and record.name else record_id
