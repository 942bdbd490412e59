"""Renewals a person deleted in the CRM (domain spec, "The renewal opportunity the service
keeps"): a person's decision. By default the renewal is not raised again and its contract is
reported, so an admin terminates the contract or restores the renewal; with the setting
`raise_deleted_renewals` it is raised again, with fresh lines and tasks.

A renewal counts as deleted when the CRM confirmed the service's write of its key (the
`written` records keep the CRM id) and no live record holds that key or that id now. The
mirror drops deleted records from the world, so a restored one (Salesforce's recycle bin)
is simply found again and the report resolves itself.
"""

from __future__ import annotations

from sync.pipeline.context import RunContext
from sync.pipeline.decide import PlannedRenewal, SubscriptionDecision
from sync.pipeline.keys import line_prefix, task_prefix
from sync.pipeline.world import World
from sync.state import RecordFailure, Stage

RENEWAL_DELETED = "RENEWAL_DELETED"


def drop_deleted_renewals(
    ctx: RunContext, world: World, decisions: list[SubscriptionDecision]
) -> None:
    """Take the renewals a person deleted out of `decisions`, each reported on its own
    decision (or, with `raise_deleted_renewals`, forget them so they are raised whole).
    One look at the write records for the whole run."""
    new = [
        p for d in decisions for p in d.renewals
        if p.record_id is None and p.intent.stage == "open"
    ]  # fmt: skip
    if not new:
        return
    written = ctx.store.written.get(ctx.crm, "renewal", [p.intent.key for p in new])
    gone = {
        key: value.record_id
        for key, value in written.items()
        if value.record_id is not None and value.record_id not in world.raw_orders
    }
    if not gone:
        return
    if ctx.raise_deleted_renewals:
        if not ctx.dry_run:
            _forget(ctx, set(gone))
        return
    for decision in decisions:
        deleted = [p for p in decision.renewals if p.intent.key in gone and p.record_id is None]
        if deleted:
            decision.failures += [_report(ctx, world, p, gone[p.intent.key]) for p in deleted]
            decision.renewals = [p for p in decision.renewals if p not in deleted]


def _forget(ctx: RunContext, keys: set[str]) -> None:
    """Raised again: its lines and tasks are made anew, not taken for a person's deletions."""
    ctx.store.written.forget(ctx.crm, "renewal", keys)
    ctx.store.written.forget_prefixed(ctx.crm, "renewal_line", [line_prefix(k) for k in keys])
    ctx.store.written.forget_prefixed(ctx.crm, "task", [task_prefix(k) for k in keys])


def _report(
    ctx: RunContext, world: World, plan: PlannedRenewal, record_id: str | None
) -> RecordFailure:
    intent = plan.intent
    account = world.accounts.get(intent.account_id)
    who = account[0].name if account and account[0].name else intent.account_id
    contract = intent.renews_order_id or "its contract"
    message = (
        f"The renewal of {who} ({intent.product}, closing {intent.close_date}) was deleted in "
        f"the CRM (record {record_id}); the service does not raise it again. Terminate "
        f"contract {contract} if the customer is leaving, or restore the renewal (Salesforce: "
        "the recycle bin); set raise_deleted_renewals = true to have it raised again"
    )
    return RecordFailure(ctx.crm, "renewal", intent.key, Stage.DECIDE, RENEWAL_DELETED, message)
