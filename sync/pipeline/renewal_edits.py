"""Did a person edit this renewal? Its own fields, and everything that makes its amount.

A person's edit is a change to a field the service wrote that the service did not make.
Some CRMs derive a renewal field from its lines: Salesforce's Opportunity.Amount is the sum
of its line items once it has any (the port says which, `CrmPort.rolled_up`). Such a value
is the CRM's arithmetic over what the service wrote, so it is never a person's edit by
itself: after a run stopped between two line calls it holds a partial sum, and the next run
must finish the lines, not keep the partial sum as if someone had typed it. While a field is
derived it is not written either (the CRM would ignore the write).

A person changes such an amount through the lines, so that is what is checked: a line field
the service wrote and a person changed since, a line the service never added, a line the
service wrote that is gone. Lines that simply never landed (their write was never answered)
are the service's unfinished work and are written again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from mappings import WritePlan, read_one
from mappings.render import Decision, Outcome
from sync.pipeline.context import RunContext
from sync.pipeline.decide import PlannedRenewal
from sync.pipeline.world import World
from sync.pipeline.writes import Item, edited, plan_items


@dataclass(frozen=True, slots=True)
class LineEdit:
    """One way a person changed what a renewal's lines add up to."""

    line: str  # the line's key, or the CRM id of a line without one
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


DERIVED = "the CRM derives it from the renewal's lines"


def derived_fields(ctx: RunContext) -> frozenset[str]:
    """The renewal's CRM fields the CRM computes from its lines once it has any."""
    if "renewal_line" not in ctx.mapping.write:
        return frozenset()
    parent = ctx.mapping.write["renewal"].object
    child = ctx.mapping.write["renewal_line"].object
    return ctx.port.rolled_up(parent, child)


def without_derived(plan: WritePlan, fields: frozenset[str]) -> WritePlan:
    """The plan with the derived fields neither written nor judged as a person's edit."""
    if not fields:
        return plan
    decisions = tuple(
        Decision(
            d.canonical_field, d.crm_field, d.policy, Outcome.SKIPPED, DERIVED,
        )
        if d.crm_field in fields
        else d
        for d in plan.decisions
    )  # fmt: skip
    return replace(
        plan,
        payload={k: v for k, v in plan.payload.items() if k not in fields},
        held_back=tuple(h for h in plan.held_back if h.crm_field not in fields),
        decisions=decisions,
    )


def has_lines(world: World, record_id: str | None) -> bool:
    """True when the CRM holds at least one line on this renewal (ours or a person's)."""
    return bool(record_id) and bool(world.raw_lines_by_order.get(str(record_id)))


def line_edits(
    ctx: RunContext, world: World, plans: Sequence[PlannedRenewal]
) -> dict[str, list[LineEdit]]:
    """Per renewal key, a person's changes to its lines (existing renewals only)."""
    if "renewal_line" not in ctx.mapping.write:
        return {}
    existing = [p for p in plans if p.record_id]
    ours = world.by_sync_key.get("renewal_line", {})
    planned = [(p, ln) for p in existing for ln in p.lines]
    confirmed = ctx.store.written.get(ctx.crm, "renewal_line", [ln.key for _, ln in planned])
    found: dict[str, list[LineEdit]] = {}
    items: list[tuple[PlannedRenewal, Item]] = []
    for plan, line in planned:
        current = ours.get(line.key)
        if current is None:
            if line.key in confirmed:
                found.setdefault(plan.intent.key, []).append(
                    LineEdit(line.key, "deleted in the CRM after the service wrote it")
                )
            continue
        intent = replace(line, renewal_id=str(plan.record_id))
        record_id = world.record_ids["renewal_line"][line.key]
        items.append((plan, Item(intent, line.key, current, record_id)))
    plan_items(ctx, "renewal_line", [item for _, item in items])
    for plan, item in items:
        if edited(item):
            assert item.plan is not None
            for held in item.plan.held_back:
                found.setdefault(plan.intent.key, []).append(
                    LineEdit(item.key, f"{held.crm_field} is {held.current}, the service "
                             f"wrote {held.last_written} and computes {held.wanted}")
                )  # fmt: skip
    key_field = ctx.mapping.write["renewal_line"].key_field
    for plan in existing:
        for raw in world.raw_lines_by_order.get(str(plan.record_id), []):
            if key_field and raw.get(key_field) in (None, ""):
                line_id = str(read_one("line", "id", raw, ctx.mapping) or "?")
                found.setdefault(plan.intent.key, []).append(
                    LineEdit(line_id, "added in the CRM, not by the service")
                )
    return found
